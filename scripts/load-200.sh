#!/usr/bin/env bash
# Load test with 200 concurrent learners: builds kipass, starts
# `kipass serve` on a fresh data directory (the quiz cooldown off: the load
# answers at random), runs cmd/kipass-load against it
# and samples the server's memory from /proc/PID/status once a second.
# Prints the load generator's table and the server's peak memory (VmHWM,
# the kernel's high-water mark of the resident set).
#
#   usage: scripts/load-200.sh
#   environment: USERS (200), DURATION (30s), ADDR (127.0.0.1:8099),
#                HASH_PARALLEL (2), DATA (/tmp/loaddata, emptied first)
#
# Linux only (reads /proc). docs/PERFORMANCE.md records the results.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
users=${USERS:-200}
duration=${DURATION:-30s}
addr=${ADDR:-127.0.0.1:8099}
data=${DATA:-/tmp/loaddata}
if [ "$data" = /tmp/loaddata ]; then
  rm -rf "$data"
elif [ -e "$data" ] && [ -n "$(ls -A "$data")" ]; then
  echo "load-200: $data is not empty; use a fresh directory" >&2
  exit 2
fi
tmp=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/kipass" ./cmd/kipass
go build -o "$tmp/kipass-load" ./cmd/kipass-load
"$tmp/kipass" serve --data "$data" --addr "$addr" --hash-parallel "${HASH_PARALLEL:-2}" --quiz-cooldown 0 >"$tmp/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do
  curl -fs "http://$addr/healthz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { echo "load-200: the server did not start:" >&2; cat "$tmp/serve.log" >&2; exit 1; }
  sleep 0.1
done

# Sample the server's memory once a second while the load runs.
(
  while kill -0 "$server" 2>/dev/null; do
    awk -v t="$(date +%s)" '/^Vm(RSS|HWM):/ {printf "%s %s %s kB\n", t, $1, $2}' "/proc/$server/status" 2>/dev/null || true
    sleep 1
  done
) >"$tmp/mem.log" &
sampler=$!

echo "== kipass-load -users $users -duration $duration against http://$addr (server pid $server, --hash-parallel ${HASH_PARALLEL:-2})"
# CPU seconds the server used (utime + stime; the command name has no spaces).
cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", ($14 + $15) / hz}' "/proc/$server/stat"; }
cpu0=$(cpu)
t0=$(date +%s.%N)
rc=0
"$tmp/kipass-load" -url "http://$addr" -users "$users" -duration "$duration" || rc=$?
cpu1=$(cpu)
t1=$(date +%s.%N)
awk -v a="$cpu0" -v b="$cpu1" -v s="$t0" -v e="$t1" 'BEGIN {printf "server CPU: %.1f s in %.1f s wall (%.0f%% of one core, set-up included)\n", b - a, e - s, 100 * (b - a) / (e - s)}'

hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$server/status")
rss_max=$(awk '$2 == "VmRSS:" && $3 > m {m = $3} END {print m + 0}' "$tmp/mem.log")
kill "$sampler" 2>/dev/null || true
echo "server peak memory: VmHWM $((hwm / 1024)) MiB ($hwm kB); highest sampled VmRSS $((rss_max / 1024)) MiB"
if grep -q 'level=ERROR' "$tmp/serve.log"; then
  echo "server logged errors:"
  grep 'level=ERROR' "$tmp/serve.log" | head -n 20
  rc=1
fi
exit "$rc"
