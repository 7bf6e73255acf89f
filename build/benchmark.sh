#!/usr/bin/env bash
# Publish-time benchmark, as root on a provisioned machine: the sample published without the image step, with it,
# and two peers doing the same job in the same run: a hand-written Dockerfile built with `docker build` (classic
# builder) after a plain publish, and the .NET SDK's `dotnet publish -t:PublishContainer`. Each scenario runs
# warm (nothing changed) and after a one-line code change; the median of N runs is reported, with its ratio to
# the plain publish. Results are appended to build/benchmark-results.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${BENCH_RUNS:-5}

"$root/build/test-env.sh"
# The SDK pulls its base image from a registry, never from the engine: give it the same stand-in through ours.
docker tag mcr.microsoft.com/dotnet/runtime:10.0 localhost:5000/dotnet/runtime:10.0
docker push -q localhost:5000/dotnet/runtime:10.0 >/dev/null

work=$(mktemp -d /tmp/pimg-bench.XXXXXX)
dangling_before=$(docker image ls -q --filter dangling=true | sort)
cleanup() {
  docker image rm -f bench-ours:latest bench-ours:1.0.0 bench-hand:latest bench-sdk:latest >/dev/null 2>&1 || true
  # The images each rebuild left untagged, and only those.
  comm -13 <(echo "$dangling_before") <(docker image ls -q --filter dangling=true | sort) | xargs -r docker image rm -f >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# The sample, with the task assembly built from source once.
cp -r "$root/samples/HelloPipeline" "$work/app"
sed -i "s|\$(MSBuildThisFileDirectory)..\\\\..\\\\|$root/|g; s|\"..\\\\..\\\\|\"$root/|g" "$work/app/HelloPipeline.csproj"
dotnet build "$root/src/PipelineImage.Tasks/PipelineImage.Tasks.csproj" -c Release -nodeReuse:false -v:q >/dev/null
cat >"$work/hand.Dockerfile" <<'DOCKERFILE'
FROM mcr.microsoft.com/dotnet/runtime:10.0
WORKDIR /app
COPY . /app/
USER app
ENTRYPOINT ["dotnet", "/app/HelloPipeline.dll"]
DOCKERFILE

publish() { dotnet publish "$work/app/HelloPipeline.csproj" -c Release -nodeReuse:false -v:q "$@" >"$work/last.log" 2>&1 || { cat "$work/last.log"; exit 1; }; }
change() { sed -i "s|^// bench:.*||" "$work/app/Program.cs"; echo "// bench: $RANDOM$RANDOM" >>"$work/app/Program.cs"; \
           sed -i "s|Console.WriteLine(\$\"HelloPipeline ran|Console.WriteLine(\$\"HelloPipeline $RANDOM ran|; s|HelloPipeline [0-9]* ran|HelloPipeline $RANDOM ran|" "$work/app/Program.cs"; }

scenario_plain() { publish -p:PipelineImageEnabled=false; }
scenario_ours() { publish -p:PipelineImageName=bench-ours; }
scenario_hand() { publish -p:PipelineImageEnabled=false && DOCKER_BUILDKIT=0 docker build -q -f "$work/hand.Dockerfile" -t bench-hand:latest "$work/app/bin/Release/net10.0/publish" >/dev/null 2>&1; }
scenario_sdk() { publish -p:PipelineImageEnabled=false -t:PublishContainer -p:ContainerBaseImage=localhost:5000/dotnet/runtime:10.0 -p:ContainerRepository=bench-sdk; }

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
measure() { # scenario, change?
  local samples=()
  "scenario_$1" # warm-up: restore, first build, base layers
  for _ in $(seq 1 "$runs"); do
    [ "$2" = change ] && change
    local start end
    start=$(date +%s.%N); "scenario_$1"; end=$(date +%s.%N)
    samples+=("$(echo "$end - $start" | bc)")
  done
  printf '%s\n' "${samples[@]}" | median
}

declare -A result
for mode in warm change; do
  for s in plain ours hand sdk; do
    result[$s.$mode]=$(measure "$s" "$mode") || exit 1
    echo "$s ($mode): ${result[$s.$mode]} s" >&2
  done
done

{
  echo
  echo "## $(date -u +%Y-%m-%d) on $(nproc) cores, $(docker version --format 'Docker {{.Server.Version}}'), .NET SDK $(dotnet --version), median of $runs"
  echo
  echo "| scenario | warm (s) | ratio | after a code change (s) | ratio |"
  echo "| --- | --- | --- | --- | --- |"
  for s in plain ours hand sdk; do
    case $s in
      plain) label='`dotnet publish`, no image (PipelineImageEnabled=false)';;
      ours) label='`dotnet publish` with PipelineImage.Tasks';;
      hand) label='`dotnet publish` + hand-written Dockerfile, `docker build` (classic)';;
      sdk) label='`dotnet publish -t:PublishContainer` (.NET SDK)';;
    esac
    printf '| %s | %.2f | %.2f | %.2f | %.2f |\n' "$label" "${result[$s.warm]}" "$(echo "${result[$s.warm]} / ${result[plain.warm]}" | bc -l)" \
      "${result[$s.change]}" "$(echo "${result[$s.change]} / ${result[plain.change]}" | bc -l)"
  done
} | tee -a "$root/build/benchmark-results.md"
