#!/usr/bin/env bash
# The whole test suite: provisions the real test stack (build/test-env.sh, as root), then runs every test project
# of the solution. With CI=true, end-to-end tests fail instead of skipping when no engine answers.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

"$root/build/test-env.sh"

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
status=0
dotnet test "$root/PipelineImage.Tasks.sln" -c Release -nodeReuse:false \
  --logger "console;verbosity=normal" | tee "$results/test.log" || status=$?

# One closing line for the whole run, summed over the test projects' own summaries.
awk '/^ +Passed: [0-9]+$/ { p += $2 } /^ +Failed: [0-9]+$/ { f += $2 } /^ +Skipped: [0-9]+$/ { s += $2 }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$results/test.log"
exit $status
