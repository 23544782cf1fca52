#!/usr/bin/env bash
# Q6: run the API (and briefly the services) as an unprivileged user (nobody) that cannot write the venv,
# under strace; list every path opened for writing / created, check the UI copy into
# PREFECT_SERVER_UI_STATIC_DIRECTORY, and what happens when that directory is not writable.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/env.sh"
RO="$STATE/ro"; rm -rf "$RO"; mkdir -p "$RO/home" "$RO/ui" "$RO/tmp"; chown -R nobody:nogroup "$RO"
chmod 755 "$STATE"
export HOME="$RO/home" PREFECT_SERVER_UI_STATIC_DIRECTORY="$RO/ui" TMPDIR="$RO/tmp"
SP="$VENV/lib/python3.11/site-packages"
echo "venv writable by nobody? $(runuser -u nobody -- test -w "$SP/prefect" && echo YES || echo no)"
WRITE_RE='O_WRONLY|O_RDWR|O_CREAT|mkdir|rename|unlink|rmdir'
summarize() { # strace file -> distinct written paths (ok / failed), directories collapsed
  grep -E "$WRITE_RE" "$1" | grep -vE 'openat\(.*O_RDONLY[^|]' \
   | sed -nE 's/^[0-9]+ +([a-z0-9]+)\((AT_FDCWD, )?"([^"]+)".*= (-?[0-9]+)( ([A-Z]+))?.*/\1 \3 \6/p' \
   | awk '{st=($3==""?"ok":$3); p=$2; sub(/\/[^\/]*$/,"/*",p); print $1, st, p}' | sort | uniq -c | sort -rn
}
start_api_traced() { # out-file
  curl -s -o /dev/null "http://127.0.0.1:$API_PORT/api/health" && { echo "port $API_PORT already serving: abort"; exit 1; }
  strace -f -qq -u nobody -e trace=openat,mkdir,mkdirat,rename,renameat,renameat2,unlink,unlinkat,rmdir -o "$1" \
    prefect server start --host 127.0.0.1 --port "$API_PORT" --no-services > "$RO/api.log" 2>&1 &
  APID=$!
  for _ in $(seq 240); do curl -fsS -o /dev/null "http://127.0.0.1:$API_PORT/api/health" 2>/dev/null && return 0
    kill -0 $APID 2>/dev/null || return 1; sleep 0.5; done; return 1
}
stop_pid_traced() { # strace pid: SIGTERM its traced child (strace itself does not pass SIGTERM on), wait for both
  local kids; kids="$(ps --ppid "$1" -o pid= 2>/dev/null)"
  # shellcheck disable=SC2086 # $kids is a list of pids
  [[ -n "$kids" ]] && kill -TERM $kids 2>/dev/null
  for _ in $(seq 150); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  # shellcheck disable=SC2086 # $kids is a list of pids
  kill -0 "$1" 2>/dev/null && { kill -KILL $kids "$1" 2>/dev/null; echo "  (had to SIGKILL)"; }
  wait "$1" 2>/dev/null
}
stop_traced() { stop_pid_traced "$APID"; }
echo "== 1st API start as nobody (empty UI dir)"
start_api_traced "$RO/strace-api1.txt" && echo "API healthy" || { echo "API FAILED"; tail -20 "$RO/api.log"; }
for p in / /v2 /ui-settings /api/health; do echo "GET $p -> $(curl -s -o /dev/null -w '%{http_code} %{size_download}B' "http://127.0.0.1:$API_PORT$p")"; done
JS="$(curl -s "http://127.0.0.1:$API_PORT/v2/" | grep -o 'assets/index-[^"]*\.js' | head -1)"
echo "GET /v2/$JS -> $(curl -s -o /dev/null -w '%{http_code} %{size_download}B' "http://127.0.0.1:$API_PORT/v2/$JS")"
stop_traced
echo "UI dir after start: $(du -sh "$RO/ui" | cut -f1), $(find "$RO/ui" -type f | wc -l) files; copy markers (UI_SERVE_BASE = cache key):"
for f in "$RO/ui"/v*/UI_SERVE_BASE; do [[ -e $f ]] && echo "  $f: $(cat "$f")"; done
echo "writes/creates by the API process tree (count syscall status path-dir):"
summarize "$RO/strace-api1.txt" | grep -v "$RO/ui/v[12]/" | head -40
echo "  (+ $(summarize "$RO/strace-api1.txt" | grep -c "$RO/ui/v[12]/") distinct dirs under $RO/ui/v1|v2 written)"
echo "HOME after: $(cd "$RO/home" && find . | tr '\n' ' ')"
echo "== 2nd API start (UI already copied): written paths"
M0="$(stat -c %Y "$RO/ui/v2/index.html")"
start_api_traced "$RO/strace-api2.txt" && echo "API healthy"; stop_traced
summarize "$RO/strace-api2.txt" | head -20
echo "index.html re-copied? $([[ "$(stat -c %Y "$RO/ui/v2/index.html")" != "$M0" ]] && echo yes || echo no)"
echo "== services as nobody, 20 s: written paths"
strace -f -qq -u nobody -e trace=openat,mkdir,mkdirat,rename,renameat,renameat2,unlink,unlinkat,rmdir -o "$RO/strace-svc.txt" \
  prefect server services start > "$RO/svc.log" 2>&1 &
SPID=$!; sleep 20; stop_pid_traced "$SPID"
summarize "$RO/strace-svc.txt" | head -20
echo "== API with a read-only (not writable) UI static directory"
chown root:root "$RO/ui"; chmod 755 "$RO/ui"; rm -rf "$RO/ui"/*  "$RO/ui"/.[!.]* 2>/dev/null
start_api_traced "$RO/strace-api3.txt" && echo "API healthy" || echo "API did not become healthy"
for p in / /v2/ /api/health; do echo "GET $p -> $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$API_PORT$p")"; done
grep -iE 'error|permission|warn' "$RO/api.log" | head -5 | cut -c1-250
stop_traced
echo "== API with PREFECT_SERVER_UI_ENABLED=false and no UI dir at all"
PREFECT_SERVER_UI_ENABLED=false PREFECT_SERVER_UI_STATIC_DIRECTORY=/nonexistent start_api_traced "$RO/strace-api4.txt" && echo "API healthy"
for p in / /api/health; do echo "GET $p -> $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$API_PORT$p")"; done
stop_traced
echo "== HOME not writable (root-owned, no .prefect inside): API and services as nobody"
NOHOME="$RO/home-ro"; mkdir -p "$NOHOME"; chown root:root "$NOHOME"; chmod 755 "$NOHOME"
chown nobody:nogroup "$RO/ui"
HOME="$NOHOME" start_api_traced "$RO/strace-api5.txt" && echo "API healthy" || { echo "API did not start:"; grep -iE 'error|denied' "$RO/api.log" | tail -3 | cut -c1-250; }
stop_traced
HOME="$NOHOME" strace -f -qq -u nobody -e trace=mkdir -o "$RO/strace-svc2.txt" prefect server services start > "$RO/svc2.log" 2>&1 &
SPID=$!; sleep 15
if [[ -n "$(ps --ppid "$SPID" -o pid= 2>/dev/null)" ]]; then echo "services running"; else echo "services exited:"; grep -iE 'error|denied' "$RO/svc2.log" | tail -2 | cut -c1-250; fi
stop_pid_traced "$SPID"
