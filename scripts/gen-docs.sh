#!/bin/sh
# Regenerates the man pages (doc/man/) and shell completions (share/completions/) from the
# ArgumentParser command definitions. Run from anywhere; needs only the resolved package deps.
#   scripts/gen-docs.sh          regenerate in place
#   scripts/gen-docs.sh --check  regenerate into a temporary directory and fail if the committed
#                                files differ (for CI)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
check=false
[ "${1:-}" = "--check" ] && check=true

if $check; then
    out=$(mktemp -d "$root/.build/gen-docs-check.XXXXXX")
    trap 'rm -rf "$out"' EXIT
else
    out=$root
fi

# Man pages: swift-argument-parser's generate-manual plugin, one page per (sub)command.
# A fixed date keeps the output reproducible; bump it when the options change.
date=${FILEWATCHER_MAN_DATE:-2026-11-25}
rm -rf "$out/doc/man"
mkdir -p "$out/doc/man"
raw=$(mktemp -d "${TMPDIR:-/tmp}/gen-docs-man.XXXXXX")
if [ -n "${FILEWATCHER_MAN_RAW:-}" ]; then
    cp "$FILEWATCHER_MAN_RAW"/*.1 "$raw"/  # the plugin's pages made before (only the fixing below)
else
    swift package --allow-writing-to-package-directory generate-manual \
        --multi-page --date "$date" --authors "the filewatcher authors" --output-directory "$raw" >/dev/null
fi
# The plugin's pages, made lint-clean (mandoc -Tlint, groff -ww) and installable: a page per
# command named filewatcher-CMD.1 (`man filewatcher-watch`); no page for ArgumentParser's `help`;
# one sentence per line; paragraphs as .Pp, never blank lines nor .Pp right before .It/.El.
fix_page() {
    awk '
        function text(line,   n) {
            # One sentence per line (mdoc: a sentence ends at the end of a line).
            while (match(line, /[.?!]  *[A-Z]/)) {
                print substr(line, 1, RSTART)
                line = substr(line, RSTART + RLENGTH - 1)
            }
            print line
        }
        /^\.Xr filewatcher\.help 1/ { next }
        /^\.Dt / { gsub(/\./, "-", $2) }
        /^\.Xr filewatcher\./ { sub(/^filewatcher\./, "filewatcher-", $2) }
        /^\.Nd / { sub(/\.\"$/, "\"") }
        {
            if (held) {
                held = 0
                if ($0 !~ /^\.(It|El|Pp)/) print ".Pp"
            }
            if ($0 == "" || $0 == ".Pp") { held = 1; next }
            if ($0 ~ /^[.\047]/) print; else text($0)
        }
    ' "$1"
}
for page in "$raw"/*.1; do
    name=$(basename "$page" .1)
    [ "$name" = filewatcher.help ] && continue
    fix_page "$page" > "$out/doc/man/$(printf %s "$name" | tr . -).1"
done
# The last line of the SEE ALSO list must not end with a comma once help is gone.
sed -i.bak -e '/^\.Sh "SEE ALSO"/,/^\.Sh/{/^\.Xr .* ,$/{N;/\n\.Sh/s/ ,\n/\n/;P;D;};}' "$out/doc/man/filewatcher.1" && rm -f "$out/doc/man/filewatcher.1.bak"
rm -rf "$raw"

# Completions: the tool's own --generate-completion-script.
# FILEWATCHER_BIN: a filewatcher binary already built from this tree (skips the release build).
if [ -n "${FILEWATCHER_BIN:-}" ]; then
    bin=$FILEWATCHER_BIN
else
    swift build -c release --product filewatcher >/dev/null
    bin=$(swift build -c release --show-bin-path)/filewatcher
fi
mkdir -p "$out/share/completions"
# bash: `filewatcher --opt` without `watch` is the default command: complete its options too.
"$bin" --generate-completion-script bash | awk '
    /^    \*\)$/ && !done {
        print "    -*)"
        print "        # An option first: the default command (watch) without its name"
        print "        unparsed_words=(\"${subcommand}\" \"${unparsed_words[@]}\")"
        print "        _filewatcher_watch"
        print "        ;;"
        done = 1
    }
    { print }
' > "$out/share/completions/filewatcher.bash"
"$bin" --generate-completion-script zsh > "$out/share/completions/_filewatcher"
"$bin" --generate-completion-script fish > "$out/share/completions/filewatcher.fish"

if $check; then
    diff -r "$root/doc/man" "$out/doc/man" && diff -r "$root/share/completions" "$out/share/completions" \
        || { echo "man pages or completions are stale: run scripts/gen-docs.sh" >&2; exit 1; }
    echo "man pages and completions are current"
else
    echo "generated: doc/man/*.1 share/completions/{filewatcher.bash,_filewatcher,filewatcher.fish}"
fi
