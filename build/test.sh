#!/usr/bin/env bash
# The whole test suite: provisions the real test stack (build/test-env.sh, as root), then runs every test project
# of the solution. With CI=true, end-to-end tests fail instead of skipping when no engine answers.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

"$root/build/test-env.sh"

results=$(mktemp -d)
# The run's temporary files in a folder of its own, removed with it: the end-to-end tests' package feed (about 1.2 GB
# with its packages folder) outlived the test host, and the SDK leaves empty folders in the temporary directory.
TMPDIR=$(mktemp -d /tmp/pimg-tests.XXXXXX)
export TMPDIR
trap 'rm -rf "$results" "$TMPDIR"' EXIT
status=0
dotnet test "$root/PipelineImage.Tasks.sln" -c Release -nodeReuse:false \
  --logger "console;verbosity=normal" | tee "$results/test.log" || status=$?

# The failures again at the end, where a CI log's tail shows them: each failed test and its message (not the stack).
awk '/^  Failed / { show = 1; n = 0; print "---"; } /^  (Stack Trace:|Passed |Skipped )/ { show = 0 }
     show && n++ < 40 { print }' "$results/test.log"

# One closing line for the whole run, summed over the test projects' own summaries.
awk '/^ +Passed: [0-9]+$/ { p += $2 } /^ +Failed: [0-9]+$/ { f += $2 } /^ +Skipped: [0-9]+$/ { s += $2 }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$results/test.log"
exit $status
