#!/usr/bin/env bash
# Q7: does the UI work with PREFECT_SERVER_UI_API_URL=/api (relative)? Served /ui-settings + headless Chromium
# rendering the V1 (/) and V2 (/v2) flow-runs pages; they only show the flow-run names if the UI's API calls worked.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/env.sh"
command -v chromium >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
B="http://127.0.0.1:$API_PORT"
OUT="$STATE/ui-test"; mkdir -p "$OUT"
for API_URL_SETTING in /api /nope; do
echo "### PREFECT_SERVER_UI_API_URL=$API_URL_SETTING $([[ $API_URL_SETTING == /nope ]] && echo '(negative control: must NOT show data)')"
export PREFECT_SERVER_UI_API_URL=$API_URL_SETTING
bash "$HERE/servers.sh" start-api
echo "GET /ui-settings -> $(curl -s "$B/ui-settings")"
python "$HERE/create-flow-runs.py" 3 1 >/dev/null
NAME="$(curl -s -X POST -H 'content-type: application/json' -d '{"limit":1,"sort":"EXPECTED_START_TIME_DESC"}' "$B/api/flow_runs/filter" | python3 -c 'import json,sys;print(json.load(sys.stdin)[0]["name"])')"
echo "newest flow run name: $NAME"
render() { # label url
  timeout 90 chromium --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars \
    --user-data-dir="$OUT/chrome-$1" --window-size=1400,900 --virtual-time-budget=20000 \
    --screenshot="$OUT/$1.png" "$2" >/dev/null 2>&1
  # the DOM dump is retried with a longer virtual-time budget on a busy machine
  for budget in 20000 40000 60000; do
    timeout 120 chromium --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage \
      --user-data-dir="$OUT/chrome-$1" --virtual-time-budget=$budget --dump-dom "$2" > "$OUT/$1.html" 2>/dev/null
    grep -q -- "$NAME" "$OUT/$1.html" && break
  done
  printf '%-10s %-30s DOM %7s bytes; flow-run name "%s" present: %s; screenshot %s\n' "$1" "$2" "$(wc -c < "$OUT/$1.html")" \
    "$NAME" "$(grep -c -- "$NAME" "$OUT/$1.html" >/dev/null && echo YES || echo no)" "$OUT/$1.png"
}
render "v1${API_URL_SETTING//\//-}" "$B/runs"
render "v2${API_URL_SETTING//\//-}" "$B/v2/runs"
bash "$HERE/servers.sh" stop-api
done
