#!/usr/bin/env bash
# Runs every fuzz target of the repository for a short time (CI smoke
# fuzzing). Plain `go test` already runs each target's seed corpus and the
# regression inputs in testdata/fuzz; this adds FUZZTIME of new inputs per
# target.
#
#   usage: scripts/fuzz-ci.sh [NAME-REGEX]     (FUZZTIME=5s by default)
#
# A crash makes the script fail after all targets ran, and it prints the
# failing input's path (PKG/testdata/fuzz/FuzzX/HASH) and how to re-run it.
# A bare "context deadline exceeded" without a failing input is Go 1.26's
# fuzz coordinator racing its own -fuzztime deadline (go.dev/issue/75804);
# it is reported, not failed.
# Commit that file as a regression input together with the fix.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
fuzztime=${FUZZTIME:-5s}
only=${1:-.}

# "dir name" for every func FuzzXxx(f *testing.F) in a _test.go file.
targets=$(grep -rEo --include='*_test.go' --exclude-dir=testdata --exclude-dir=.git '^func Fuzz[A-Za-z0-9_]+\(' . |
  sed -E 's#^\./##; s#^(.*)/[^/]+_test\.go:func (Fuzz[A-Za-z0-9_]+)\($#\1 \2#; s#^[^/ ]+_test\.go:func (Fuzz[A-Za-z0-9_]+)\($#. \1#' |
  awk -v re="$only" '$2 ~ re' | sort -u)
if [ -z "$targets" ]; then
  echo "fuzz-ci: no fuzz targets found" >&2
  exit 1
fi

failed=()
n=0
start=$SECONDS
log=$(mktemp)
trap 'rm -f "$log"' EXIT
while read -r dir name; do
  n=$((n + 1))
  t0=$SECONDS
  if go test -run='^$' -fuzz="^${name}\$" -fuzztime="$fuzztime" "./$dir" </dev/null >"$log" 2>&1; then
    printf '  ok    %-28s %-24s %3ds\n' "$name" "./$dir" $((SECONDS - t0))
  elif grep -q 'context deadline exceeded' "$log" && ! grep -q 'Failing input written' "$log"; then
    # Go 1.26's fuzz coordinator can report its own -fuzztime deadline as a
    # failure, without any failing input (go.dev/issue/75804, fixed in Go
    # 1.27). That is not a finding; a real crash always writes its input.
    printf '  ok    %-28s %-24s %3ds  (go test deadline race, go.dev/issue/75804; no failing input)\n' "$name" "./$dir" $((SECONDS - t0))
  else
    printf '  FAIL  %-28s %-24s %3ds\n' "$name" "./$dir" $((SECONDS - t0))
    { grep -q -- '--- FAIL' "$log" && sed -n '/--- FAIL/,$p' "$log" || tail -n 40 "$log"; } | head -n 60 | sed 's/^/        /'
    input=$(sed -nE 's#.*Failing input written to (testdata/fuzz/[^ ]+).*#\1#p' "$log" | head -n 1)
    if [ -n "$input" ]; then
      echo "        failing input: $dir/$input"
      echo "        re-run: go test -run='${name}/$(basename "$input")' ./$dir"
      failed+=("$name ($dir/$input)")
    else
      failed+=("$name (./$dir, no input written: build failure or timeout, see above)")
    fi
  fi
done <<<"$targets"

echo "fuzz-ci: $n targets, ${fuzztime} each, $((SECONDS - start))s in all"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz-ci: ${#failed[@]} failed:"
  printf '  %s\n' "${failed[@]}"
  exit 1
fi
