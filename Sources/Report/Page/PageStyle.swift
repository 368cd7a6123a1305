// The page's inline CSS (light and dark by prefers-color-scheme) and its little script: sorting
// tables by a click on a column head. The page reads fine without the script; the script records
// that it ran (`data-js="ok"` on <html>) and any error (`data-js-error`), which the browser test reads.

enum PageStyle {
    static let css = """
    :root{color-scheme:light dark;--bg:#fbfbfa;--fg:#1d1f23;--muted:#5d6470;--line:#d9dce1;--panel:#ffffff;--accent:#2563eb;\
    --alert:#d1242f;--problem:#d97706;--code:#f1f3f5;\
    --k-write:#d1495b;--k-create:#2a9d8f;--k-delete:#6d2e46;--k-rename:#e9a03b;--k-link:#8d6cab;--k-attrib:#b5838d;\
    --k-read:#3a86ff;--k-open:#8ecae6;--k-close:#adb5bd;--k-exec:#f15bb5;--k-stat:#cdb4db;--k-exit:#6c757d;--k-other:#bcb8b1;\
    --tm0:#dbeafe;--tm1:#dcfce7;--tm2:#fef3c7;--tm3:#fce7f3;--tm4:#e0e7ff;--tm5:#ccfbf1;--tm6:#ffedd5;--tm7:#f3e8ff}
    @media (prefers-color-scheme:dark){:root{--bg:#15171a;--fg:#e6e8eb;--muted:#9aa3ad;--line:#30353b;--panel:#1d2024;--accent:#7aa2ff;\
    --code:#262a30;--alert:#ff6b6b;--problem:#fbbf24;\
    --k-write:#ef6f7f;--k-create:#4fd1c5;--k-delete:#c06c8f;--k-rename:#f6bd60;--k-link:#b79ced;--k-attrib:#d4a5ae;\
    --k-read:#6aa6ff;--k-open:#9fd8ef;--k-close:#7d858d;--k-exec:#ff7ccf;--k-stat:#a58fbf;--k-exit:#8d959d;--k-other:#8f8b84;\
    --tm0:#1e3a5f;--tm1:#1f4d36;--tm2:#5a4a16;--tm3:#5b2145;--tm4:#2e3270;--tm5:#134e4a;--tm6:#5c3414;--tm7:#44275f}}
    *{box-sizing:border-box}
    body{margin:0 auto;max-width:1360px;padding:20px 28px 40px;background:var(--bg);color:var(--fg);\
    font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
    h1{font-size:24px;margin:0 0 12px}h2{font-size:19px;margin:34px 0 10px;padding-top:8px;border-top:1px solid var(--line)}
    h3{font-size:15px;margin:22px 0 8px}
    header dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 18px;margin:0 0 10px}
    header dt{color:var(--muted)}header dd{margin:0}
    nav{display:flex;gap:16px;flex-wrap:wrap;margin:12px 0 0}nav a{color:var(--accent);text-decoration:none}
    code{font:12.5px/1.4 ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;background:var(--code);padding:1px 4px;border-radius:3px;\
    overflow-wrap:anywhere;white-space:pre-wrap}
    .figure{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:8px}
    .figure.narrow{max-width:680px}
    svg.chart{width:100%;height:auto;display:block}
    svg text{fill:var(--fg);font:12px system-ui,-apple-system,"DejaVu Sans",sans-serif}
    svg .axis{fill:var(--muted);font-size:11px}
    svg .grid{stroke:var(--line);stroke-width:1}svg .tick{stroke:var(--muted)}
    svg .bar:hover rect,svg .cell:hover rect,svg .hbar:hover rect{opacity:.75}
    svg .alert-line{stroke:var(--alert);stroke-width:2}svg .alert-head{fill:var(--alert)}
    svg .problem-line{stroke:var(--problem);stroke-width:2;stroke-dasharray:4 3}
    svg .files-bar{fill:var(--accent)}
    svg .tm{stroke:var(--bg);stroke-width:1}svg .tm-label{font-size:12px}svg .tm-value{font-size:11px;fill:var(--muted)}
    .tm0{fill:var(--tm0)}.tm1{fill:var(--tm1)}.tm2{fill:var(--tm2)}.tm3{fill:var(--tm3)}.tm4{fill:var(--tm4)}.tm5{fill:var(--tm5)}.tm6{fill:var(--tm6)}.tm7{fill:var(--tm7)}
    .k-write{fill:var(--k-write);background:var(--k-write)}.k-create{fill:var(--k-create);background:var(--k-create)}\
    .k-delete{fill:var(--k-delete);background:var(--k-delete)}.k-rename{fill:var(--k-rename);background:var(--k-rename)}\
    .k-link{fill:var(--k-link);background:var(--k-link)}.k-attrib{fill:var(--k-attrib);background:var(--k-attrib)}\
    .k-read{fill:var(--k-read);background:var(--k-read)}.k-open{fill:var(--k-open);background:var(--k-open)}\
    .k-close{fill:var(--k-close);background:var(--k-close)}.k-exec{fill:var(--k-exec);background:var(--k-exec)}\
    .k-stat{fill:var(--k-stat);background:var(--k-stat)}.k-exit{fill:var(--k-exit);background:var(--k-exit)}.k-other{fill:var(--k-other);background:var(--k-other)}
    .legend{display:flex;flex-wrap:wrap;gap:6px 16px;margin:8px 0}.key{display:inline-flex;align-items:center;gap:6px}
    .swatch{display:inline-block;width:12px;height:12px;border-radius:2px}
    .hint,.more,.empty{color:var(--muted)}
    details>summary{cursor:pointer}
    .program{border-bottom:1px solid var(--line);padding:4px 0}
    .program>summary{display:grid;grid-template-columns:minmax(160px,260px) 250px 1fr;gap:12px;align-items:center}
    .pname{font-weight:600;overflow-wrap:anywhere}.pnum,.pstats{color:var(--muted)}
    .inline-bar{display:block}
    table{border-collapse:collapse;width:100%;margin:6px 0;background:var(--panel)}
    th,td{border:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}
    th{background:var(--code);font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
    td.time{white-space:nowrap;font-variant-numeric:tabular-nums}
    table.compact td,table.compact th{padding:1px 6px;font-size:13px}
    tr.dir td{background:var(--code)}
    .sortable th{cursor:pointer}.sortable th[aria-sort=ascending]::after{content:" ▲"}.sortable th[aria-sort=descending]::after{content:" ▼"}
    .files{margin:6px 0 10px 20px}
    .tree .children{margin-left:22px;border-left:1px dashed var(--line);padding-left:10px}
    .tree .leaf,.tree summary{padding:2px 0}.tree .leaf{margin-left:16px}
    .pid{font-variant-numeric:tabular-nums;color:var(--muted);margin-right:6px}.args{margin:0 6px}.tree .pname{margin-right:8px}
    .badge{font-size:11px;padding:0 6px;border-radius:9px;margin:0 3px;color:#fff}.badge.alert{background:var(--alert)}.badge.stopped{background:var(--problem)}
    .sev{font-weight:700}.sev-critical .sev,.sev-high .sev{color:var(--alert)}.sev-medium .sev{color:var(--problem)}
    ul.plain{list-style:none;margin:0;padding:0}.response{color:var(--muted);font-size:12px}
    .changes{margin:6px 0}.problems{margin:6px 0}
    footer{margin-top:40px;color:var(--muted);font-size:12px}
    """

    static let script = """
    (function(){var d=document.documentElement;
    window.addEventListener('error',function(e){d.setAttribute('data-js-error',String(e.message||e))});
    function key(td){if(!td)return '';var v=td.getAttribute('data-v');if(v!==null)return Number(v);\
    if(td.classList.contains('num'))return Number(td.textContent.replace(/[^0-9]/g,''));return td.textContent.toLowerCase()}
    document.querySelectorAll('table.sortable').forEach(function(t){
    var heads=t.querySelectorAll('thead th');
    heads.forEach(function(th,i){th.addEventListener('click',function(){
    var body=t.tBodies[0];if(!body)return;
    var asc=th.getAttribute('aria-sort')!=='ascending';
    heads.forEach(function(h){h.removeAttribute('aria-sort')});th.setAttribute('aria-sort',asc?'ascending':'descending');
    var rows=Array.prototype.slice.call(body.rows).filter(function(r){return !r.classList.contains('dir')});
    if(rows.length!==body.rows.length){body.querySelectorAll('tr.dir').forEach(function(r){r.remove()})}
    rows.sort(function(a,b){var x=key(a.cells[i]),y=key(b.cells[i]);return (x>y?1:y>x?-1:0)*(asc?1:-1)});
    rows.forEach(function(r){body.appendChild(r)});});});});
    d.setAttribute('data-js','ok');})();
    """
}
