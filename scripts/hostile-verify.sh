#!/usr/bin/env bash
# Hostile-PDF flood: builds kipass, starts `kipass serve` on a fresh data
# directory, sends N parallel hostile 4 MB uploads to POST /api/v1/verify
# (scripts/hostile-verify) and prints how they were answered, their
# latency and the server's peak memory (VmHWM, the kernel's high-water
# mark of the resident set) before and after.
#
#   usage: scripts/hostile-verify.sh
#   environment: N (48), SIZE (4194304), ADDR (127.0.0.1:8097), ROUNDS (1);
#                SERVE_ENV runs the server through a prefix, e.g.
#                SERVE_ENV="env GODEBUG=gctrace=1"; SHOW_LOG=1 prints its log
#                at the end
#
# Linux only (reads /proc). Loopback only. docs/PERFORMANCE.md records the
# results.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
addr=${ADDR:-127.0.0.1:8097}
tmp=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/kipass" ./cmd/kipass
go build -o "$tmp/hostile-verify" ./scripts/hostile-verify
${SERVE_ENV:-} "$tmp/kipass" serve --data "$tmp/data" --addr "$addr" >"$tmp/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do
  curl -fs "http://$addr/healthz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { echo "hostile-verify: the server did not start:" >&2; cat "$tmp/serve.log" >&2; exit 1; }
  sleep 0.1
done
mem() { awk '/^Vm(RSS|HWM):/ {printf "%s %d MiB  ", $1, $2 / 1024}' "/proc/$server/status"; echo; }
echo "server before: $(mem)"
rc=0
for round in $(seq "${ROUNDS:-1}"); do
  echo "== round $round"
  "$tmp/hostile-verify" -url "http://$addr" -n "${N:-48}" -size "${SIZE:-4194304}" || rc=$?
  echo "server after round $round: $(mem)"
done
if [ -n "${SHOW_LOG:-}" ]; then cat "$tmp/serve.log"; fi
if grep -q 'level=ERROR' "$tmp/serve.log"; then
  echo "server logged errors:"
  grep 'level=ERROR' "$tmp/serve.log" | head -n 20
  rc=1
fi
exit "$rc"
