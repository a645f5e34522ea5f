#!/usr/bin/env bash
# End-to-end acceptance test of a running Monlight deployment (SPEC §9.6).
#
# Usage: deploy/smoke-test.sh [--no-up] [BASE_URL...]
#   no BASE_URL   ET_URL, LV_URL, MC_URL, BR_URL (default http://localhost:1501{0,1,2,3}); unless --no-up, first
#                 brings up deploy/docker-compose.test.yml (built from source) with `docker compose`.
#   one BASE_URL  the combined listener (host.listen): the plugins under BASE_URL/<plugin>/
#   four          the error tracker, log viewer, metrics collector and browser relay, in this order
#   (giving URLs implies --no-up)
# Environment: API_KEY (test_api_key_e2e_12345; the key of ET, LV and MC), ADMIN_KEY (test_admin_key_e2e_12345),
#   ORIGIN (http://localhost:3000; must be in browser-relay.cors_origins), CONTAINER (e2e_monlight; empty skips the
#   graceful-shutdown step 16; it is skipped too when URLs are given and CONTAINER is not set), DOCKER (docker; the
#   engine CLI, e.g. podman), COMPOSE (docker compose).
# Uses curl, grep and the engine CLI. Prints PASS/FAIL per step; the last line is "<n> passed, <m> failed";
# exit 1 if any step failed, 2 on bad usage.
set -euo pipefail

usage() { sed -n '2,/^set /p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; }
up=1
urls=()
for a in "$@"; do
  case "$a" in
    --help|-h) usage; exit 0 ;;
    --no-up) up=0 ;;
    -*) echo "smoke-test: unknown option $a" >&2; usage >&2; exit 2 ;;
    *) urls+=("${a%/}") ;;
  esac
done
container_default=e2e_monlight
case ${#urls[@]} in
  0) ;;
  1) ET_URL=${urls[0]}/error-tracker LV_URL=${urls[0]}/log-viewer MC_URL=${urls[0]}/metrics-collector
     BR_URL=${urls[0]}/browser-relay; up=0; container_default="" ;;
  4) ET_URL=${urls[0]} LV_URL=${urls[1]} MC_URL=${urls[2]} BR_URL=${urls[3]}; up=0; container_default="" ;;
  *) echo "smoke-test: give no URL, one (combined listener) or four" >&2; exit 2 ;;
esac
ET_URL=${ET_URL:-http://localhost:15010}
LV_URL=${LV_URL:-http://localhost:15011}
MC_URL=${MC_URL:-http://localhost:15012}
BR_URL=${BR_URL:-http://localhost:15013}
API_KEY=${API_KEY:-test_api_key_e2e_12345}
ADMIN_KEY=${ADMIN_KEY:-test_admin_key_e2e_12345}
ORIGIN=${ORIGIN:-http://localhost:3000}
CONTAINER=${CONTAINER-$container_default}
DOCKER=${DOCKER:-docker}
COMPOSE=${COMPOSE:-docker compose}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }

# req METHOD URL [curl args...]: sets $code; body in $tmp/body, headers in $tmp/headers
req() {
  local m=$1 u=$2
  shift 2
  code=$(curl -sS -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' -X "$m" --max-time 15 "$@" "$u" 2>"$tmp/err") \
    || code="000 ($(head -c 200 "$tmp/err"))"
}
body() { cat "$tmp/body"; }
has() { grep -q -- "$1" "$tmp/body"; }
hdr() { grep -qi -- "^$1" "$tmp/headers"; }
short() { head -c 300 "$tmp/body" | tr '\n' ' '; }
json() { req "$1" "$2" -H 'Content-Type: application/json' "${@:3}"; }

if [ "$up" = 1 ]; then
  cd "$(dirname "$0")/.."
  echo "bringing up deploy/docker-compose.test.yml"
  $COMPOSE -f deploy/docker-compose.test.yml up -d --build
fi

# 0. wait for health
ok=1
for u in "$ET_URL" "$LV_URL" "$MC_URL" "$BR_URL"; do
  deadline=$((SECONDS + 60))
  until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$u/health" || true)" = 200 ]; do
    if [ $SECONDS -ge $deadline ]; then ok=0; fail "0 wait for health" "$u/health not 200 within 60 s"; break; fi
    sleep 2
  done
done
[ $ok = 1 ] && pass "0 wait for health"

# 1. health bodies
ok=1
for u in "$ET_URL" "$LV_URL" "$MC_URL" "$BR_URL"; do
  req GET "$u/health"
  has '"status":"ok"' || { ok=0; fail "1 health bodies" "$u/health: $code $(short)"; }
done
[ $ok = 1 ] && pass "1 health bodies"

# 2. ET ingest. A group of an earlier run (same fingerprint and environment) would not answer "created": then this
# run uses its own environment (here and in the browser errors of steps 7 and 12).
env=test
req GET "$ET_URL/api/errors?project=e2e-test&environment=test&resolved=all" -H "X-API-Key: $API_KEY"
if has TestError; then env="test-$(date +%s)"; echo "note: e2e-test/test has groups of an earlier run; using environment $env"; fi
smoke='{"project":"e2e-test","environment":"'$env'","exception_type":"TestError","message":"smoke test error",'
smoke+='"traceback":"Traceback (most recent call last):\n  File \"/app/test.py\", line 42, in test_func\n    raise TestError(\"smoke test error\")\nTestError: smoke test error"}'
step() {
  json POST "$ET_URL/api/errors" -H "X-API-Key: $API_KEY" --data-binary "$smoke"
  [ "$code" = 201 ] && has '"created"' && has '"fingerprint":"bfe948320647333075d782d84349909c"' \
    || { echo "first POST: $code $(short)"; return 1; }
  id=$(body | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
  json POST "$ET_URL/api/errors" -H "X-API-Key: $API_KEY" --data-binary "$smoke"
  [ "$code" = 200 ] && has '"incremented"' || { echo "second POST: $code $(short)"; return 1; }
  req GET "$ET_URL/api/errors?project=e2e-test" -H "X-API-Key: $API_KEY"
  [ "$code" = 200 ] && has TestError || { echo "list by project: $code $(short)"; return 1; }
  req GET "$ET_URL/api/errors?search=smoke" -H "X-API-Key: $API_KEY"
  [ "$code" = 200 ] && has TestError || { echo "search=smoke: $code $(short)"; return 1; }
  req GET "$ET_URL/api/errors/$id" -H "X-API-Key: $API_KEY"
  [ "$code" = 200 ] && has '"occurrences"' || { echo "detail $id: $code $(short)"; return 1; }
  req POST "$ET_URL/api/errors/$id/resolve" -H "X-API-Key: $API_KEY"
  [ "$code" = 200 ] || { echo "resolve: $code $(short)"; return 1; }
  json POST "$ET_URL/api/errors" -H "X-API-Key: $API_KEY" --data-binary "$smoke"
  [ "$code" = 201 ] && has '"reopened"' || { echo "POST after resolve: $code $(short)"; return 1; }
}
if why=$(step); then pass "2 ET ingest"; else fail "2 ET ingest" "$why"; fi

# 3. LV endpoints
step() {
  local p
  for p in /api/logs/stats /api/stats /api/logs/containers /api/containers /api/logs; do
    req GET "$LV_URL$p" -H "X-API-Key: $API_KEY"
    [ "$code" = 200 ] || { echo "$p: $code $(short)"; return 1; }
  done
  req GET "$LV_URL/api/logs?search=a/b" -H "X-API-Key: $API_KEY"
  [ "$code" = 400 ] && has 'Invalid search query' || { echo "search=a/b: $code $(short)"; return 1; }
  curl -sS -N --max-time 3 "$LV_URL/api/logs/tail?api_key=$API_KEY" > "$tmp/tail" 2>/dev/null || true
  head -c 6 "$tmp/tail" | grep -q '^retry:' || { echo "tail: output starts with '$(head -c 40 "$tmp/tail")'"; return 1; }
  req GET "$LV_URL/api/logs/tail" --max-time 3
  [ "$code" = 401 ] || { echo "tail without key: $code"; return 1; }
}
if why=$(step); then pass "3 LV endpoints"; else fail "3 LV endpoints" "$why"; fi

# 4. MC ingest
step() {
  json POST "$MC_URL/api/metrics" -H "X-API-Key: $API_KEY" --data-binary '{"metrics":[
    {"name":"http_requests_total","type":"counter","value":1,"labels":{"method":"GET","path":"/e2e"}},
    {"name":"http_request_duration_seconds","type":"histogram","value":0.042,"labels":{"method":"GET"}},
    {"name":"active_connections","type":"gauge","value":5}]}'
  [ "$code" = 202 ] && has '"accepted"' && has '"count":3' || { echo "object form: $code $(short)"; return 1; }
  json POST "$MC_URL/api/metrics" -H "X-API-Key: $API_KEY" \
    --data-binary '[{"name":"http_requests_total","type":"counter","value":2}]'
  [ "$code" = 202 ] || { echo "bare array: $code $(short)"; return 1; }
  req GET "$MC_URL/api/metrics/names" -H "X-API-Key: $API_KEY"
  has http_requests_total || { echo "names: $code $(short)"; return 1; }
  req GET "$MC_URL/api/metrics?name=http_request_duration_seconds&period=1h" -H "X-API-Key: $API_KEY"
  [ "$code" = 200 ] && has '"p95"' && ! has '"data":\[\]' || { echo "query: $code $(short)"; return 1; }
}
if why=$(step); then pass "4 MC ingest"; else fail "4 MC ingest" "$why"; fi

# 5. UIs
ok=1
for u in "$ET_URL" "$LV_URL" "$MC_URL" "$BR_URL"; do
  req GET "$u/"
  { [ "$code" = 200 ] && grep -qi '<html' "$tmp/body" && has 'class='; } \
    || { ok=0; fail "5 UIs" "$u/: $code $(short)"; }
done
[ $ok = 1 ] && pass "5 UIs"

# 6. DSN key
dsn=""
step() {
  json POST "$BR_URL/api/dsn-keys" -H "X-API-Key: $ADMIN_KEY" --data-binary '{"project":"e2e-test"}'
  [ "$code" = 201 ] || { echo "create: $code $(short)"; return 1; }
  local k
  k=$(body | grep -o '"public_key":"[^"]*"' | cut -d'"' -f4)
  [[ "$k" =~ ^[0-9a-f]{32}$ ]] || { echo "public_key '$k' is not 32 hex characters"; return 1; }
  req GET "$BR_URL/api/dsn-keys" -H "X-API-Key: $ADMIN_KEY"
  has "$k" || { echo "list: $code, key missing"; return 1; }
  echo "$k"
}
if out=$(step); then dsn=$out; pass "6 DSN key"; else fail "6 DSN key" "$out"; fi

# 7. browser error
step() {
  json POST "$BR_URL/api/browser/errors" -H "X-Monlight-Key: $dsn" -H "Origin: $ORIGIN" --data-binary '{
    "type":"TypeError","message":"Cannot read properties of undefined (reading '"'"'id'"'"')",
    "stack":"TypeError: Cannot read properties of undefined (reading '"'"'id'"'"')\n    at renderUser (https://example.com/static/app.js:10:15)\n    at main (https://example.com/static/app.js:20:3)",
    "url":"https://example.com/dashboard","user_agent":"Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 e2e",
    "session_id":"e2e-test-session-001","environment":"'"$env"'"}'
  [ "$code" = 201 ] || { echo "$code $(short)"; return 1; }
  grep -qi "^access-control-allow-origin: $ORIGIN" "$tmp/headers" || { echo "no access-control-allow-origin: $ORIGIN"; return 1; }
}
if why=$(step); then pass "7 browser error"; else fail "7 browser error" "$why"; fi

# 8. browser metrics
step() {
  json POST "$BR_URL/api/browser/metrics" -H "X-Monlight-Key: $dsn" -H "Origin: $ORIGIN" --data-binary '{"metrics":[
    {"name":"web_vitals_lcp","type":"histogram","value":2500},
    {"name":"web_vitals_inp","type":"histogram","value":150},
    {"name":"web_vitals_cls","type":"histogram","value":0.05}],
    "session_id":"e2e-test-session-001","url":"https://example.com/dashboard?tab=1"}'
  [ "$code" = 202 ] && has '"accepted"' || { echo "$code $(short)"; return 1; }
}
if why=$(step); then pass "8 browser metrics"; else fail "8 browser metrics" "$why"; fi

# 9. beacon (key in the query, text/plain body)
req POST "$BR_URL/api/browser/metrics?key=$dsn" -H 'Content-Type: text/plain' \
  --data-binary '{"metrics":[{"name":"web_vitals_ttfb","type":"histogram","value":120}],"url":"https://example.com/"}'
if [ "$code" = 202 ]; then pass "9 beacon"; else fail "9 beacon" "$code $(short)"; fi

# 10. origin refused
json POST "$BR_URL/api/browser/errors" -H "X-Monlight-Key: $dsn" -H 'Origin: https://evil.example.net' \
  --data-binary '{"type":"Error","message":"evil","stack":""}'
if [ "$code" = 403 ]; then pass "10 origin refused"; else fail "10 origin refused" "$code $(short)"; fi

# 11. propagation
sleep 1
step() {
  req GET "$ET_URL/api/errors?project=e2e-test&source=browser" -H "X-API-Key: $API_KEY"
  has TypeError || { echo "ET source=browser: $code $(short)"; return 1; }
  req GET "$MC_URL/api/metrics/names" -H "X-API-Key: $API_KEY"
  has web_vitals_lcp || { echo "MC names: $code $(short)"; return 1; }
  req GET "$MC_URL/api/dashboard?project=e2e-test" -H "X-API-Key: $API_KEY"
  has '"web_vitals":{' || { echo "MC dashboard: $code $(short)"; return 1; }
}
if why=$(step); then pass "11 propagation"; else fail "11 propagation" "$why"; fi

# 12. source maps
step() {
  local map='{\"version\":3,\"sources\":[\"src/app.ts\"],\"names\":[\"handleClick\"],\"mappings\":\"AAAA;AACA,IAAIA\"}'
  json POST "$BR_URL/api/source-maps" -H "X-API-Key: $ADMIN_KEY" \
    --data-binary '{"project":"e2e-test","release":"1.0.0","file_url":"/static/app.min.js","map_content":"'"$map"'"}'
  { [ "$code" = 201 ] && has '"uploaded"'; } || { [ "$code" = 200 ] && has '"replaced"'; } \
    || { echo "upload: $code $(short)"; return 1; }
  json POST "$BR_URL/api/browser/errors" -H "X-Monlight-Key: $dsn" --data-binary '{"type":"TypeError","message":"x",
    "stack":"TypeError: x\n    at n (https://example.com/static/app.min.js:2:5)","release":"1.0.0","environment":"'"$env"'"}'
  [ "$code" = 201 ] || [ "$code" = 200 ] || { echo "browser error with release: $code $(short)"; return 1; }
  local id
  id=$(body | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
  req GET "$ET_URL/api/errors/$id" -H "X-API-Key: $API_KEY"
  has 'src/app.ts:2:5' || { echo "ET detail $id has no src/app.ts:2:5: $(short)"; return 1; }
  json POST "$BR_URL/api/source-maps" -H "X-API-Key: $ADMIN_KEY" --data-binary \
    '{"project":"e2e-test","release":"1.0.0","file_url":"/static/v2.js","map_content":"{\"version\":2,\"sources\":[],\"mappings\":\"\"}"}'
  [ "$code" = 400 ] && has 'Invalid source map format' || { echo "version 2: $code $(short)"; return 1; }
}
if why=$(step); then pass "12 source maps"; else fail "12 source maps" "$why"; fi

# 13. CORS preflight
req OPTIONS "$BR_URL/api/browser/errors" -H "Origin: $ORIGIN" -H 'Access-Control-Request-Method: POST' \
  -H 'Access-Control-Request-Headers: content-type,x-monlight-key'
if [ "$code" = 204 ] && hdr access-control-allow-origin && hdr access-control-allow-methods \
   && hdr access-control-allow-headers && hdr vary; then
  pass "13 CORS preflight"
else
  fail "13 CORS preflight" "$code $(tr '\r\n' '  ' < "$tmp/headers" | head -c 300)"
fi

# 14. self-metrics
req GET "$ET_URL/metrics" -H "X-API-Key: $API_KEY"
if [ "$code" = 200 ] && has monlight_http_requests_total; then pass "14 self-metrics"; else fail "14 self-metrics" "$code $(short)"; fi

# 15. rate limit
ok=0
for _ in $(seq 301); do
  code=$(curl -sS -o /dev/null -D "$tmp/headers" -w '%{http_code}' --max-time 5 -X POST \
         -H "X-Monlight-Key: $dsn" -H 'Content-Type: application/json' \
         --data-binary '{"type":"RateTest","message":"test","stack":"test"}' "$BR_URL/api/browser/errors" 2>/dev/null || true)
  if [ "$code" = 429 ]; then
    hdr retry-after && ok=1
    break
  fi
done
if [ $ok = 1 ]; then pass "15 rate limit"; else fail "15 rate limit" "no 429 with Retry-After in 301 requests (last $code)"; fi

# 16. graceful shutdown
if [ -n "$CONTAINER" ]; then
  if $DOCKER --version 2>/dev/null | grep -qi podman; then
    # podman restarts a restart-policy container after `kill` (Docker counts kill as a manual stop); `stop` sends
    # the same SIGTERM (the image's STOPSIGNAL) and SIGKILL only after 10 s, which would show as exit code 137
    $DOCKER stop -t 10 "$CONTAINER" >/dev/null 2>&1 &
  else
    $DOCKER kill --signal=SIGTERM "$CONTAINER" >/dev/null
  fi
  stopped=""
  for _ in $(seq 10); do
    sleep 1
    running=$($DOCKER inspect --format '{{.State.Running}}' "$CONTAINER" 2>/dev/null || echo gone)
    if [ "$running" = false ]; then stopped=$($DOCKER inspect --format '{{.State.ExitCode}}' "$CONTAINER"); break; fi
  done
  wait || true
  if [ "$stopped" = 0 ]; then
    pass "16 graceful shutdown"
  else
    [ -z "$stopped" ] && $DOCKER kill "$CONTAINER" >/dev/null 2>&1 || true
    fail "16 graceful shutdown" "${stopped:+exit code $stopped}${stopped:-still running after 10 s}"
  fi
else
  echo "SKIP 16 graceful shutdown (no CONTAINER)"
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
