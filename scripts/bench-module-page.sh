#!/usr/bin/env bash
# Measures the module page against a bare fiber handler that sends the same
# bytes, in one run, with wrk (apt-get install wrk). Results go to stdout;
# docs/PERFORMANCE.md records them.
#   usage: scripts/bench-module-page.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${2:-32}
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT

go build -o "$tmp/kipass" ./cmd/kipass
go build -o "$tmp/bareserve" ./scripts/bareserve
"$tmp/kipass" serve --addr 127.0.0.1:18089 --data "$tmp/data" >"$tmp/serve.log" 2>/dev/null &
for _ in $(seq 50); do curl -fs http://127.0.0.1:18089/healthz >/dev/null && break; sleep 0.1; done

# A learner with a browser session (cookie jar) who has passed the quiz of
# the module (the page shows the last result), and one with an open quiz.
jar="$tmp/cookies"
curl -fs -c "$jar" -b "$jar" http://127.0.0.1:18089/ >/dev/null
csrf=$(awk '$6=="kipass_csrf"{print $7}' "$jar")
curl -fs -c "$jar" -b "$jar" -o /dev/null -X POST http://127.0.0.1:18089/register \
  --data-urlencode "_csrf=$csrf" --data-urlencode "name=Load Test" \
  --data-urlencode "email=load@example.com" --data-urlencode "password=load test password"
# The login rotates the CSRF token: read the new one.
csrf=$(awk '$6=="kipass_csrf"{print $7}' "$jar")
session=$(awk '$6=="kipass_session"{print $7}' "$jar")
cookie="Cookie: kipass_session=$session; kipass_csrf=$csrf; kipass_lang=de"
page=/courses/ki-am-arbeitsplatz/dsgvo-grundlagen
# Take the module quiz once: one question answered is enough for a result
# box (an empty form is refused and uses no attempt).
curl -fs -H "$cookie" -o /dev/null -X POST "http://127.0.0.1:18089$page/quiz" --data-urlencode "_csrf=$csrf"
curl -fs -H "$cookie" "http://127.0.0.1:18089$page" >"$tmp/quiz.html"
attempt=$(grep -o 'action="/attempts/[A-Za-z0-9_-]*"' "$tmp/quiz.html" | head -1 | cut -d/ -f3 | tr -d '"')
answer=$(grep -o 'name="q-[^"]*" value="[^"]*"' "$tmp/quiz.html" | head -1 | sed -E 's/name="([^"]*)" value="([^"]*)"/\1=\2/')
if [ -z "$attempt" ] || [ -z "$answer" ]; then
  echo "bench-module-page: no quiz form on $page (see $tmp/quiz.html)" >&2
  exit 1
fi
curl -fs -H "$cookie" -o /dev/null -X POST "http://127.0.0.1:18089/attempts/$attempt" --data-urlencode "_csrf=$csrf" --data-urlencode "$answer"
# A second learner with an open quiz.
jar2="$tmp/cookies2"
curl -fs -c "$jar2" -b "$jar2" http://127.0.0.1:18089/ >/dev/null
csrf2=$(awk '$6=="kipass_csrf"{print $7}' "$jar2")
curl -fs -c "$jar2" -b "$jar2" -o /dev/null -X POST http://127.0.0.1:18089/register \
  --data-urlencode "_csrf=$csrf2" --data-urlencode "name=Load Test 2" \
  --data-urlencode "email=load2@example.com" --data-urlencode "password=load test password"
csrf2=$(awk '$6=="kipass_csrf"{print $7}' "$jar2")
curl -fs -c "$jar2" -b "$jar2" -o /dev/null -X POST "http://127.0.0.1:18089$page/quiz" --data-urlencode "_csrf=$csrf2"
cookie2="Cookie: kipass_session=$(awk '$6=="kipass_session"{print $7}' "$jar2"); kipass_csrf=$csrf2; kipass_lang=de"
curl -fs -H "$cookie" "http://127.0.0.1:18089$page" >"$tmp/page.html"
echo "page size: $(wc -c <"$tmp/page.html") bytes"

"$tmp/bareserve" -addr 127.0.0.1:18090 -file "$tmp/page.html" &
sleep 0.5

echo "== bare fiber handler, same bytes"
wrk -t2 -c"$conns" -d"${secs}s" "http://127.0.0.1:18090$page" | grep -E "Requests/sec|Latency|requests in"
echo "== module page, logged in, reading (session, module state, last result)"
wrk -t2 -c"$conns" -d"${secs}s" -H "$cookie" "http://127.0.0.1:18089$page" | grep -E "Requests/sec|Latency|requests in|Non-2xx"
echo "== module page, logged in, quiz open (the form with 5 questions)"
wrk -t2 -c"$conns" -d"${secs}s" -H "$cookie2" "http://127.0.0.1:18089$page" | grep -E "Requests/sec|Latency|requests in|Non-2xx"
echo "== module page, anonymous"
wrk -t2 -c"$conns" -d"${secs}s" -H "Cookie: kipass_lang=de" "http://127.0.0.1:18089$page" | grep -E "Requests/sec|Latency|requests in|Non-2xx"
