#!/usr/bin/env bash
# Load test with 200 concurrent learners: builds kipass, starts
# `kipass serve` on a fresh data directory (the quiz cooldown off: the load
# answers at random), runs cmd/kipass-load against it
# and samples the server's memory from /proc/PID/status once a second.
# Prints the load generator's table, each server's CPU and peak memory
# (VmHWM, the kernel's high-water mark of the resident set), and with
# PostgreSQL the CPU its processes used.
#
#   usage: scripts/load-200.sh
#   environment: USERS (200), DURATION (30s), ADDR (127.0.0.1:8099),
#                HASH_PARALLEL (2), DATA (/tmp/loaddata, emptied first),
#                DATABASE (a PostgreSQL URL of an empty database: the
#                instances keep their data there, see docs/SCALING.md),
#                INSTANCES (1; 2 with DATABASE: a second server on the
#                next port, sharing DATA's keys; users alternate)
#
# Linux only (reads /proc). docs/PERFORMANCE.md records the results.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
users=${USERS:-200}
duration=${DURATION:-30s}
addr=${ADDR:-127.0.0.1:8099}
data=${DATA:-/tmp/loaddata}
database=${DATABASE:-}
instances=${INSTANCES:-1}
if [ "$instances" != 1 ] && { [ -z "$database" ] || [ "$instances" -lt 1 ]; }; then
  echo "load-200: INSTANCES above 1 needs DATABASE (several instances share one PostgreSQL database)" >&2
  exit 2
fi
if [ "$data" = /tmp/loaddata ]; then
  rm -rf "$data"
elif [ -e "$data" ] && [ -n "$(ls -A "$data")" ]; then
  echo "load-200: $data is not empty; use a fresh directory" >&2
  exit 2
fi
tmp=$(mktemp -d)
servers=()
cleanup() {
  for pid in "${servers[@]}"; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/kipass" ./cmd/kipass
go build -o "$tmp/kipass-load" ./cmd/kipass-load
host=${addr%:*}
port=${addr##*:}
urls=""
dbflag=()
[ -n "$database" ] && dbflag=(--database "$database")
for i in $(seq 0 $((instances - 1))); do
  a="$host:$((port + i))"
  # The same --base-url (issuer) for all, as behind a proxy.
  "$tmp/kipass" serve --data "$data" --addr "$a" --base-url "http://$addr" "${dbflag[@]}" \
    --hash-parallel "${HASH_PARALLEL:-2}" --quiz-cooldown 0 >"$tmp/serve$i.log" 2>&1 &
  servers+=($!)
  for _ in $(seq 100); do
    curl -fs "http://$a/healthz" >/dev/null 2>&1 && break
    kill -0 "${servers[$i]}" 2>/dev/null || { echo "load-200: server $i did not start:" >&2; cat "$tmp/serve$i.log" >&2; exit 1; }
    sleep 0.1
  done
  urls="$urls${urls:+,}http://$a"
done

# Sample the servers' memory once a second while the load runs.
for i in "${!servers[@]}"; do
  pid=${servers[$i]}
  (
    while kill -0 "$pid" 2>/dev/null; do
      awk -v t="$(date +%s)" '/^Vm(RSS|HWM):/ {printf "%s %s %s kB\n", t, $1, $2}' "/proc/$pid/status" 2>/dev/null || true
      sleep 1
    done
  ) >"$tmp/mem$i.log" &
done

echo "== kipass-load -users $users -duration $duration against $urls (server pids ${servers[*]}, --hash-parallel ${HASH_PARALLEL:-2}${database:+, PostgreSQL})"
echo "uptime before: $(uptime)"
# CPU seconds a process used (utime + stime; the command name has no spaces).
cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", ($14 + $15) / hz}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# CPU seconds of all PostgreSQL processes (server and backends).
pgcpu() {
  local sum=0
  [ -z "$database" ] && { echo 0; return; }
  for p in $(pgrep -u postgres 2>/dev/null || true); do sum=$(awk -v s="$sum" -v c="$(cpu "$p")" 'BEGIN {print s + c}'); done
  echo "$sum"
}
# CPU seconds the whole machine was busy (all cores, /proc/stat).
busy() { awk -v hz="$(getconf CLK_TCK)" '$1 == "cpu" {printf "%.1f", ($2 + $3 + $4 + $7 + $8 + $9) / hz}' /proc/stat; }
# snapshot: wall time, machine busy, PostgreSQL, then each server.
snapshot() {
  local line
  line="$(date +%s.%N) $(busy) $(pgcpu)"
  for pid in "${servers[@]}"; do line="$line $(cpu "$pid")"; done
  echo "$line"
}
declare -A cpu0
for pid in "${servers[@]}"; do cpu0[$pid]=$(cpu "$pid"); done
pg0=$(pgcpu)
t0=$(date +%s.%N)
rc=0
# The quiz loop's share is measured from the end of the set-up (the
# generator's "set-up:" line) to the end.
: >"$tmp/load.out"
(
  until grep -q 'set-up:' "$tmp/load.out" 2>/dev/null; do sleep 0.05; done
  snapshot >"$tmp/loop0"
) &
watcher=$!
"$tmp/kipass-load" -url "$urls" -users "$users" -duration "$duration" > >(tee "$tmp/load.out") || rc=$?
snapshot >"$tmp/loop1"
wait "$watcher" 2>/dev/null || true
t1=$(date +%s.%N)
echo "uptime after: $(uptime)"
lg=$(awk '/^load generator CPU:/ {print $8}' "$tmp/load.out")
if [ -s "$tmp/loop0" ]; then
  paste -d' ' "$tmp/loop0" "$tmp/loop1" | awk -v n="${#servers[@]}" -v lg="${lg:-0}" -v cores="$(nproc)" '{
    k = 3 + n; wall = $(k + 1) - $1; mach = $(k + 2) - $2; pg = $(k + 3) - $3; srv = 0; s = ""
    for (i = 1; i <= n; i++) { c = $(k + 3 + i) - $(3 + i); srv += c; s = s sprintf("server %d %.1f s, ", i - 1, c) }
    other = mach - srv - pg - lg; if (other < 0) other = 0
    printf "quiz loop CPU: %.1f s wall x %d cores = %.1f core-s; machine busy %.1f: %sPostgreSQL %.1f s, load generator %.1f s, other work on the machine %.1f s\n", wall, cores, cores * wall, mach, s, pg, lg, other
  }'
fi
for i in "${!servers[@]}"; do
  pid=${servers[$i]}
  awk -v i="$i" -v a="${cpu0[$pid]}" -v b="$(cpu "$pid")" -v s="$t0" -v e="$t1" 'BEGIN {printf "server %d CPU: %.1f s in %.1f s wall (%.0f%% of one core, set-up included)\n", i, b - a, e - s, 100 * (b - a) / (e - s)}'
  hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")
  rss_max=$(awk '$2 == "VmRSS:" && $3 > m {m = $3} END {print m + 0}' "$tmp/mem$i.log")
  echo "server $i peak memory: VmHWM $((hwm / 1024)) MiB ($hwm kB); highest sampled VmRSS $((rss_max / 1024)) MiB"
done
if [ -n "$database" ]; then
  awk -v a="$pg0" -v b="$(pgcpu)" -v s="$t0" -v e="$t1" 'BEGIN {printf "PostgreSQL CPU (all its processes on this machine): %.1f s in %.1f s wall\n", b - a, e - s}'
fi
for i in "${!servers[@]}"; do
  if grep -q 'level=ERROR' "$tmp/serve$i.log"; then
    echo "server $i logged errors:"
    grep 'level=ERROR' "$tmp/serve$i.log" | head -n 20
    rc=1
  fi
done
exit "$rc"
