#!/bin/sh
# Shipping benchmark: replay a 1,000,000-event trail (bsm-gen) with --ship to a local rsyslogd,
# over RELP and over RELP/TLS, and count the event sequences rsyslog wrote (all must arrive).
#
#   bench/ship-bench.sh [EVENTS]        (default 1000000)
#
# Needs: swift, rsyslog, rsyslog-relp, rsyslog-gnutls, openssl. Runs rsyslogd on 127.0.0.1 only.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
n=${1:-1000000}
work=$(mktemp -d /var/tmp/fwship-bench.XXXXXX)
pids=""
cleanup() { for p in $pids; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
(cd "$repo" && swift build -c release --product filewatcher >/dev/null && swift build -c release --product bsm-gen >/dev/null)
bin="$repo/.build/release"
"$bin/bsm-gen" "$work/trail.bsm" "$n"

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
    "$bin/filewatcher" --read "$work/trail.bsm" -a -o /dev/null --no-summary --ship "$scheme://127.0.0.1:$port" \
        --spool "$work/$name/spool" --ship-drain 600 $tlsout
    end=$(date +%s.%N)
    kill -TERM "$rpid"; wait "$rpid" 2>/dev/null || true
    got=$(grep -o '"sequence":[0-9]*' "$work/$name/received.log" | sort -u | wc -l)
    secs=$(echo "$end - $start" | bc -l)
    rate=$(echo "$n / $secs" | bc)
    printf '| %s | %s | %.2f s | %s events/s | %s of %s |\n' "$name" "$scheme" "$secs" "$rate" "$got" "$n"
}

echo "| run | transport | wall (replay + drain) | rate | sequences received |"
echo "|---|---|---:|---:|---:|"
run plain relp "" ""
run tls relp+tls "tls=\"on\" tls.caCert=\"$work/ca.pem\" tls.myCert=\"$work/server.pem\" tls.myPrivKey=\"$work/server.key\" tls.authMode=\"certvalid\"" \
    "--tls-ca $work/ca.pem --tls-cert $work/client.pem --tls-key $work/client.key"
