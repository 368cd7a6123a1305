#!/bin/sh
# Shipping benchmark: replay a 1,000,000-event trail (bsm-gen) with --ship to a local rsyslogd,
# over RELP and over RELP/TLS, and count the event sequences rsyslog wrote (all must arrive).
#
#   bench/ship-bench.sh [EVENTS]        (default 1000000)
#
# Needs: swift, rsyslog, rsyslog-relp, rsyslog-gnutls, openssl, GNU time. Runs rsyslogd on 127.0.0.1 only.
# Prints per run the wall time of replay + drain, the rate, filewatcher's CPU time (user+sys, fairer
# than wall time on a shared machine) and peak RSS, rsyslogd's CPU time, and the distinct event
# sequences rsyslog wrote. The peer is the same replay without --ship.
# FILEWATCHER_SKIP_BUILD=1 uses the release binaries already built; FILEWATCHER_BIN_DIR=DIR takes them from DIR.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
n=${1:-1000000}
work=$(mktemp -d /var/tmp/fwship-bench.XXXXXX)
pids=""
cleanup() { for p in $pids; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
[ -n "${FILEWATCHER_SKIP_BUILD:-}" ] || (cd "$repo" && swift build -c release --product filewatcher >/dev/null && swift build -c release --product bsm-gen >/dev/null)
bin="${FILEWATCHER_BIN_DIR:-$repo/.build/release}"  # another build to compare: a directory with filewatcher and bsm-gen
"$bin/bsm-gen" "$work/trail.bsm" "$n" >/dev/null
echo "machine: $(uname -sr), $(nproc) CPUs; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cd "$work"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=bench ca" -keyout ca.key -out ca.pem 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' > server.ext
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr 2>/dev/null
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext -out server.pem 2>/dev/null
cp server.pem client.pem; cp server.key client.key

run() {  # run NAME URL-SCHEME TLS-INPUT-OPTIONS FILEWATCHER-OPTIONS
    name=$1 scheme=$2 tlsin=$3 tlsout=$4
    port=$(free_port)
    mkdir -p "$work/$name"
    cat > "$work/$name/rsyslog.conf" <<CONF
global(workDirectory="$work/$name" maxMessageSize="64k")
module(load="imrelp")
input(type="imrelp" address="127.0.0.1" port="$port" $tlsin)
template(name="m" type="string" string="%msg%\n")
action(type="omfile" file="$work/$name/received.log" template="m" asyncWriting="on" ioBufferSize="1m")
CONF
    rsyslogd -n -f "$work/$name/rsyslog.conf" -i "$work/$name/pid" 2>"$work/$name/rsyslog.err" &
    rpid=$!; pids="$pids $rpid"
    sleep 1
    start=$(date +%s.%N)
    /usr/bin/time -f '%U %S %M' -o "$work/$name/time" \
        "$bin/filewatcher" --read "$work/trail.bsm" -a -o /dev/null --ship "$scheme://127.0.0.1:$port" \
        --spool "$work/$name/spool" --ship-drain 600 $tlsout 2>"$work/$name/summary"
    end=$(date +%s.%N)
    rcpu=$(awk '{ sub(/.*\) /, ""); split($0, f, " "); printf "%.2f", (f[12] + f[13]) / 100 }' /proc/$rpid/stat)
    # rsyslogd's imrelp thread alone (it reads, parses and answers every RELP frame: one core at most)
    relpcpu=$(for t in /proc/$rpid/task/*; do [ "$(cat $t/comm)" = "in:imrelp" ] && cat $t/stat; done |
        awk '{ sub(/.*\) /, ""); split($0, f, " "); s += f[12] + f[13] } END { printf "%.2f", s / 100 }')
    kill -TERM "$rpid"; wait "$rpid" 2>/dev/null || true
    got=$(grep -o '"sequence":[0-9]*' "$work/$name/received.log" | sort -u | wc -l)
    secs=$(echo "$end - $start" | bc -l)
    rate=$(echo "$n / $secs" | bc)
    read -r u s m < "$work/$name/time"
    printf '| %s | %.2f s | %s events/s | %.2f + %.2f s | %.0f MB | %s s (imrelp thread %s s) | %s of %s |\n' \
        "$scheme" "$secs" "$rate" "$u" "$s" "$(echo "$m / 1024" | bc -l)" "$rcpu" "$relpcpu" "$got" "$n"
    grep -i 'ship' "$work/$name/summary" | sed 's/^/    /' >&2 || true
}

peer() {  # the same replay, no shipping
    start=$(date +%s.%N)
    /usr/bin/time -f '%U %S %M' -o "$work/peer.time" "$bin/filewatcher" --read "$work/trail.bsm" -a -o /dev/null 2>/dev/null
    end=$(date +%s.%N)
    secs=$(echo "$end - $start" | bc -l)
    read -r u s m < "$work/peer.time"
    printf '| none (peer: the same command without --ship) | %.2f s | %s events/s | %.2f + %.2f s | %.0f MB | | |\n' \
        "$secs" "$(echo "$n / $secs" | bc)" "$u" "$s" "$(echo "$m / 1024" | bc -l)"
}

echo "| transport | wall (replay + drain) | rate | filewatcher CPU user + sys | peak RSS | rsyslogd CPU | sequences received |"
echo "|---|---:|---:|---:|---:|---:|---:|"
peer
run plain relp "" ""
run tls relp+tls "tls=\"on\" tls.caCert=\"$work/ca.pem\" tls.myCert=\"$work/server.pem\" tls.myPrivKey=\"$work/server.key\" tls.authMode=\"certvalid\"" \
    "--tls-ca $work/ca.pem --tls-cert $work/client.pem --tls-key $work/client.key"
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
