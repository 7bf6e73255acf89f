#!/usr/bin/env bash
# Publish-time benchmark, as root on a provisioned machine. A small console app with one NuGet package, consuming the
# packed PipelineImage.Tasks from a local feed as a user's project does, in nine scenarios that each have a copy of
# the app of their own:
#   plain  dotnet publish, no image (PipelineImageEnabled=false): the reference every ratio is to
#   ours   dotnet publish with PipelineImage.Tasks on its defaults (auto: our layers on the base as dockerd 20.10 holds it)
#   bk     the same with PipelineImageBuilder=buildkit
#   oop    ours with PipelineImageOutOfProcess=true: the tasks run in the tool with dotnet, as in Visual Studio
#   hand   a plain publish, then a hand-written Dockerfile built with `docker build` (classic builder)
#   sdk    the .NET SDK's `dotnet publish -t:PublishContainer`
#   push   ours with PipelineImagePush=true to the loopback registry (localhost:5000)
#   sdkpush  the SDK's PublishContainer with ContainerRegistry=localhost:5000
#   noengine  ours pushing with no engine answering (DOCKER_HOST names no socket), as on a hosted runner: our own
#          layers pushed to localhost:5000 on the SDK's base there
#   multi  ours with PipelineImagePlatforms=linux/amd64;linux/arm64, pushed to localhost:5000, on the two-platform
#          stand-in there (build/arm64-stand-ins.sh)
#   sdkmulti  the SDK's PublishContainer with ContainerRuntimeIdentifiers=linux-x64;linux-arm64 on the same base, to
#          localhost:5000 (an inner publish per runtime identifier)
#   multisc  multi for a self-contained app (SelfContained=true, RuntimeIdentifiers=linux-x64;linux-arm64) on the
#          two-platform runtime-deps stand-in: a publish per runtime identifier (the arm64 one an inner publish)
#   sdkmultisc  sdkmulti for the same self-contained app on the same base
#   signed  push with PipelineImageSigningKey (a key of cosign generate-key-pair, from the modern engines' root): the
#          signature and the SLSA provenance of each pushed manifest, made once per digest
# each timed as a no-op (nothing changed since its last run) and after a one-line code change. The runs are
# interleaved (plain ours bk oop hand sdk push sdkpush noengine, plain ours ...) so that drift of the machine hits every scenario alike;
# the median of BENCH_RUNS runs (default 5) is reported with its ratio to plain, and for ours also the time of the
# image targets alone, from MSBuild's performance summary; for the three push scenarios also the bytes the registry
# stored in each run (its storage directory's growth: what crossed to it, compressed) (for ours and oop: their difference is what the tool's
# start-up costs a publish). Then the fleet: BENCH_FLEET (default 3) clean git clones of one commit at different paths,
# as hosted CI runners check it out, each with the engine's copy of the image removed first (a fresh runner has none),
# publish and push it with ContinuousIntegrationBuild=true, on the default settings and with no engine: how many
# distinct digests they push, and what the registry stored for each clone after the first. BENCH_ONLY=fleet runs the
# fleet alone, BENCH_ONLY=platforms the two-platform scenarios (and plain) alone, BENCH_ONLY=signing plain, push and signed. Results are appended to
# build/benchmark-results.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${BENCH_RUNS:-5}
fleet=${BENCH_FLEET:-3}
scenarios=(plain ours bk oop hand sdk push sdkpush noengine multi sdkmulti multisc sdkmultisc signed)
[ "${BENCH_ONLY:-}" = fleet ] && { scenarios=(); runs=0; }
[ "${BENCH_ONLY:-}" = platforms ] && scenarios=(plain multi sdkmulti multisc sdkmultisc)
[ "${BENCH_ONLY:-}" = signing ] && scenarios=(plain push signed)

"$root/build/test-env.sh"
# The SDK pulls its base image from a registry, never from the engine: give it the same stand-in through ours.
docker tag mcr.microsoft.com/dotnet/runtime:10.0 localhost:5000/dotnet/runtime:10.0
docker push -q localhost:5000/dotnet/runtime:10.0 >/dev/null

work=$(mktemp -d /tmp/pimg-bench.XXXXXX)
dangling_before=$(docker image ls -q --filter dangling=true | sort)
cleanup() {
  docker image rm -f localhost:5000/bench-push:latest localhost:5000/bench-sdkpush:latest >/dev/null 2>&1 || true
  docker image rm -f bench-sdkmulti:latest bench-sdkmultisc:latest >/dev/null 2>&1 || true
  docker image rm -f localhost:5000/bench-fleet-default:latest localhost:5000/bench-fleet-noengine:latest >/dev/null 2>&1 || true
  docker image rm -f bench-ours:latest bench-ours:1.0.0 bench-bk:latest bench-bk:1.0.0 bench-oop:latest bench-oop:1.0.0 bench-hand:latest bench-sdk:latest bench-sdk:1.0.0 >/dev/null 2>&1 || true
  # The images each rebuild left untagged, and only those.
  comm -13 <(echo "$dangling_before") <(docker image ls -q --filter dangling=true | sort) | xargs -r docker image rm -f >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

version="0.1.0-bench.$(date -u +%Y%m%d%H%M%S)"
dotnet pack "$root/nuget/PipelineImage.Tasks.Package.csproj" -c Release -o "$work/feed" "-p:Version=$version" -nodeReuse:false -v:q >/dev/null

if [[ " ${scenarios[*]} " == *" signed "* ]]; then
  /usr/local/libexec/pipelineimage/trixie-chroot env COSIGN_PASSWORD=bench cosign generate-key-pair --output-key-prefix "$work/cosign" >/dev/null 2>&1
fi
for s in plain "${scenarios[@]}"; do # plain's copy is also the fleet's commit
  mkdir -p "$work/$s"
  cat >"$work/$s/nuget.config" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="pipelineimage-bench" value="$work/feed" />
  </packageSources>
  <config>
    <add key="globalPackagesFolder" value="$work/packages" />
  </config>
</configuration>
CONFIG
  cat >"$work/$s/App.csproj" <<PROJECT
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <AssemblyName>BenchApp</AssemblyName>
    <Version>1.0.0</Version>
    <ImplicitUsings>enable</ImplicitUsings>
    <PipelineImageName>bench-ours</PipelineImageName>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="PipelineImage.Tasks" Version="$version" PrivateAssets="all" />
    <PackageReference Include="Newtonsoft.Json" Version="13.0.3" />
  </ItemGroup>
</Project>
PROJECT
  echo 'Console.WriteLine(Newtonsoft.Json.JsonConvert.SerializeObject(new { step = "bench", run = 0 }));' >"$work/$s/Program.cs"
done
cat >"$work/hand.Dockerfile" <<'DOCKERFILE'
FROM mcr.microsoft.com/dotnet/runtime:10.0
WORKDIR /app
COPY . /app/
USER app
ENTRYPOINT ["dotnet", "/app/BenchApp.dll"]
DOCKERFILE

publish() { # directory, arguments...
  local dir=$1; shift
  dotnet publish "$dir/App.csproj" -c Release -nodeReuse:false -v:q "$@" >"$dir/last.log" 2>&1 || { cat "$dir/last.log"; exit 1; }
}
change() { sed -i "s|run = [0-9]*|run = $RANDOM$RANDOM|" "$work/$1/Program.cs"; }

run_plain() { publish "$work/plain" -p:PipelineImageEnabled=false; }
run_ours() { publish "$work/ours" -clp:PerformanceSummary; }
run_bk() { publish "$work/bk" -p:PipelineImageName=bench-bk -p:PipelineImageBuilder=buildkit; }
run_oop() { publish "$work/oop" -p:PipelineImageName=bench-oop -p:PipelineImageOutOfProcess=true -clp:PerformanceSummary; }
run_push() { publish "$work/push" -p:PipelineImageRegistry=localhost:5000 -p:PipelineImageName=bench-push -p:PipelineImageTags=latest -p:PipelineImagePush=true; }
run_sdkpush() { publish "$work/sdkpush" -p:PipelineImageEnabled=false -t:PublishContainer \
  -p:ContainerBaseImage=localhost:5000/dotnet/runtime:10.0 -p:ContainerRegistry=localhost:5000 -p:ContainerRepository=bench-sdkpush -p:ContainerImageTags=latest; }
# No engine answers here: a socket that does not exist.
no_engine=unix:///nonexistent/pipelineimage-bench.sock
run_noengine() { DOCKER_HOST=$no_engine publish "$work/noengine" -p:PipelineImageRegistry=localhost:5000 -p:PipelineImageName=bench-noengine \
  -p:PipelineImageTags=latest -p:PipelineImagePush=true -p:PipelineImageBase=localhost:5000/dotnet/runtime:10.0; }
two_platforms=localhost:5000/stand-ins/dotnet/runtime:10.0
run_multi() { publish "$work/multi" -p:PipelineImageRegistry=localhost:5000 -p:PipelineImageName=bench-multi -p:PipelineImageTags=latest \
  -p:PipelineImagePush=true -p:PipelineImageBase=$two_platforms '-p:PipelineImagePlatforms="linux/amd64;linux/arm64"'; }
run_sdkmulti() { publish "$work/sdkmulti" -p:PipelineImageEnabled=false -t:PublishContainer -p:ContainerBaseImage=$two_platforms \
  -p:ContainerRegistry=localhost:5000 -p:ContainerRepository=bench-sdkmulti -p:ContainerImageTags=latest '-p:ContainerRuntimeIdentifiers="linux-x64;linux-arm64"' \
  '-p:RuntimeIdentifiers="linux-x64;linux-arm64"'; } # the SDK's inner publishes need the assets file to have both targets
two_platforms_deps=localhost:5000/stand-ins/dotnet/runtime-deps:10.0
self_contained=(-p:SelfContained=true '-p:RuntimeIdentifiers="linux-x64;linux-arm64"')
run_multisc() { publish "$work/multisc" "${self_contained[@]}" -p:PipelineImageRegistry=localhost:5000 -p:PipelineImageName=bench-multisc \
  -p:PipelineImageTags=latest -p:PipelineImagePush=true -p:PipelineImageBase=$two_platforms_deps '-p:PipelineImagePlatforms="linux/amd64;linux/arm64"'; }
run_sdkmultisc() { publish "$work/sdkmultisc" "${self_contained[@]}" -p:PipelineImageEnabled=false -t:PublishContainer \
  -p:ContainerBaseImage=$two_platforms_deps -p:ContainerRegistry=localhost:5000 -p:ContainerRepository=bench-sdkmultisc -p:ContainerImageTags=latest \
  '-p:ContainerRuntimeIdentifiers="linux-x64;linux-arm64"'; }
run_signed() { COSIGN_PASSWORD=bench publish "$work/signed" -p:PipelineImageRegistry=localhost:5000 -p:PipelineImageName=bench-signed -p:PipelineImageTags=latest \
  -p:PipelineImagePush=true "-p:PipelineImageSigningKey=$work/cosign.key"; }
registry_bytes() { du -sb /var/lib/pipelineimage-registry/open | cut -f1; }
run_hand() { publish "$work/hand" -p:PipelineImageEnabled=false \
  && DOCKER_BUILDKIT=0 docker build -q -f "$work/hand.Dockerfile" -t bench-hand:latest "$work/hand/bin/Release/net10.0/publish" >/dev/null 2>&1; }
run_sdk() { publish "$work/sdk" -p:PipelineImageEnabled=false -t:PublishContainer \
  -p:ContainerBaseImage=localhost:5000/dotnet/runtime:10.0 -p:ContainerRepository=bench-sdk; }

# The image targets' own time in the last run of a scenario: their lines of the target performance summary, in ms.
image_targets_ms() {
  awk '/Target Performance Summary/ { on = 1 } /Task Performance Summary/ { on = 0 }
       on && $2 == "ms" && ($3 ~ /PipelineImage/) { sum += $1 } END { printf "%d\n", sum }' "$work/$1/last.log"
}

timed() { local start end; start=$(date +%s.%N); "run_$1"; end=$(date +%s.%N); echo "$end - $start" | bc; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# One commit of the app, cloned once per runner.
mkdir -p "$work/fleet/origin"
cp "$work/plain/nuget.config" "$work/plain/Program.cs" "$work/fleet/origin/"
sed 's|<PipelineImageName>bench-ours</PipelineImageName>||' "$work/plain/App.csproj" >"$work/fleet/origin/App.csproj"
git -C "$work/fleet/origin" init -q
git -C "$work/fleet/origin" add -A
git -C "$work/fleet/origin" -c user.name=bench -c user.email=bench@localhost commit -q -m fleet

# A fleet of clean clones at different paths: each removes the engine's copy of the image, publishes and pushes; prints
# the number of distinct digests pushed, then the registry's growth for each clone after the first.
fleet() { # label, arguments...
  local label=$1 name="bench-fleet-$1" i dir before
  shift
  local -a digests=() bytes=()
  for i in $(seq 1 "$fleet"); do
    dir="$work/fleet/$label/runner-$i$(printf '/w%.0s' $(seq 1 "$i"))"
    git clone -q "$work/fleet/origin" "$dir"
    docker image rm -f "localhost:5000/$name:latest" >/dev/null 2>&1 || true
    before=$(registry_bytes)
    publish "$dir" -p:ContinuousIntegrationBuild=true -p:PipelineImageRegistry=localhost:5000 "-p:PipelineImageName=$name" \
      -p:PipelineImageTags=latest -p:PipelineImagePush=true "$@"
    digests+=("$(jq -r --arg ref "localhost:5000/$name:latest" '.pushed[$ref]' "$dir/obj/Release/net10.0/pipelineimage/image.json")")
    bytes+=("$(( $(registry_bytes) - before ))")
  done
  echo "$(printf '%s\n' "${digests[@]}" | sort -u | wc -l) ${bytes[*]:1}"
}

declare -A samples
for s in "${scenarios[@]}"; do "run_$s"; "run_$s"; done # warm-up: restore, first build, base layers, the hash cache
for i in $(seq 1 "$runs"); do
  for mode in noop change; do
    for s in "${scenarios[@]}"; do
      [ "$mode" = change ] && change "$s"
      before=$(registry_bytes)
      samples[$s.$mode]+="$(timed "$s") "
      case $s in push | sdkpush | noengine | multi | sdkmulti | multisc | sdkmultisc | signed) samples[bytes.$s.$mode]+="$(( $(registry_bytes) - before )) ";; esac
      case $s in ours | oop) samples[targets.$s.$mode]+="$(image_targets_ms "$s") ";; esac
    done
  done
  echo "round $i of $runs done" >&2
done

declare -A result
for key in "${!samples[@]}"; do result[$key]=$(tr ' ' '\n' <<<"${samples[$key]}" | grep . | median); done

if [ "${BENCH_ONLY:-}" != platforms ] && [ "${BENCH_ONLY:-}" != signing ]; then
  fleet_default=$(fleet default)
  # (With no engine, the fleet's removal of the engine's copy has nothing to remove.)
  fleet_noengine=$(DOCKER_HOST=$no_engine fleet noengine -p:PipelineImageBase=localhost:5000/dotnet/runtime:10.0)
  read -r fleet_default_digests fleet_default_bytes <<<"$fleet_default"
  read -r fleet_noengine_digests fleet_noengine_bytes <<<"$fleet_noengine"
fi

{
  echo
  echo "## $(date -u +%Y-%m-%d) on $(nproc) cores, $(docker version --format 'Docker {{.Server.Version}}'), .NET SDK $(dotnet --version)$([ "$runs" -gt 0 ] && echo ", median of $runs interleaved runs")"
  if [ "$runs" -gt 0 ]; then
  echo
  echo "| scenario | no-op (s) | ratio | after a code change (s) | ratio |"
  echo "| --- | --- | --- | --- | --- |"
  for s in "${scenarios[@]}"; do
    case $s in
      plain) label='`dotnet publish`, no image (PipelineImageEnabled=false)';;
      ours) label='`dotnet publish` with PipelineImage.Tasks (defaults: our layers on the engine'"'"'s base)';;
      bk) label='`dotnet publish` with PipelineImage.Tasks, `PipelineImageBuilder=buildkit` (the builder of RUN steps: none here)';;
      push) label='`dotnet publish` with PipelineImage.Tasks, `PipelineImagePush=true` to localhost:5000';;
      sdkpush) label='`dotnet publish -t:PublishContainer` (.NET SDK) to `ContainerRegistry=localhost:5000`';;
      noengine) label='`dotnet publish` with PipelineImage.Tasks, no engine answering, to localhost:5000';;
      oop) label='`dotnet publish` with PipelineImage.Tasks, `PipelineImageOutOfProcess=true` (defaults)';;
      hand) label='`dotnet publish` + hand-written Dockerfile, `docker build` (classic)';;
      sdk) label='`dotnet publish -t:PublishContainer` (.NET SDK)';;
      multi) label='`dotnet publish` with PipelineImage.Tasks, `PipelineImagePlatforms=linux/amd64;linux/arm64`, pushed to localhost:5000';;
      sdkmulti) label='`dotnet publish -t:PublishContainer` (.NET SDK), `ContainerRuntimeIdentifiers=linux-x64;linux-arm64`, to localhost:5000';;
      signed) label='`dotnet publish` with PipelineImage.Tasks, `PipelineImagePush=true` and `PipelineImageSigningKey` (cosign'"'"'s key): signature and SLSA provenance';;
      multisc) label='the same two platforms with PipelineImage.Tasks, self-contained (a publish per runtime identifier), on runtime-deps';;
      sdkmultisc) label='the same with the .NET SDK'"'"'s `ContainerRuntimeIdentifiers`, self-contained, on runtime-deps';;
    esac
    printf '| %s | %.2f | %.3f | %.2f | %.3f |\n' "$label" "${result[$s.noop]}" "$(echo "${result[$s.noop]} / ${result[plain.noop]}" | bc -l)" \
      "${result[$s.change]}" "$(echo "${result[$s.change]} / ${result[plain.change]}" | bc -l)"
  done
  if [ "${BENCH_ONLY:-}" = signing ]; then
  echo
  echo "Bytes the registry stored per run (median), after a code change: unsigned ${result[bytes.push.change]}, signed ${result[bytes.signed.change]}; in a no-op publish: unsigned ${result[bytes.push.noop]}, signed ${result[bytes.signed.noop]}."
  elif [ "${BENCH_ONLY:-}" = platforms ]; then
  echo
  echo "Bytes the registry stored per run (median), two platforms, after a code change: ours ${result[bytes.multi.change]}, the SDK's ${result[bytes.sdkmulti.change]}; in a no-op publish: ours ${result[bytes.multi.noop]}, the SDK's ${result[bytes.sdkmulti.noop]}. Self-contained, after a code change: ours ${result[bytes.multisc.change]}, the SDK's ${result[bytes.sdkmultisc.change]}; in a no-op publish: ours ${result[bytes.multisc.noop]}, the SDK's ${result[bytes.sdkmultisc.noop]}."
  else
  echo
  echo "Bytes the registry stored per run (median), after a code change: ours ${result[bytes.push.change]} (no engine ${result[bytes.noengine.change]}), the SDK's ${result[bytes.sdkpush.change]}; in a no-op publish: ours ${result[bytes.push.noop]} (no engine ${result[bytes.noengine.noop]}), the SDK's ${result[bytes.sdkpush.noop]}."
  echo
  echo "The image targets alone (MSBuild's target performance summary, median): in process ${result[targets.ours.noop]} ms in a no-op publish, ${result[targets.ours.change]} ms after a code change; in the tool ${result[targets.oop.noop]} ms and ${result[targets.oop.change]} ms."
  fi
  fi
  [ "${BENCH_ONLY:-}" = platforms ] || [ "${BENCH_ONLY:-}" = signing ] && exit 0
  echo
  echo "Fleet: $fleet clean clones of one commit at different paths, the engine's copy of the image removed before each, published and pushed with ContinuousIntegrationBuild=true. Default settings (our layers on the base as the engine holds it, pushed by the engine): $fleet_default_digests distinct digest(s), clones 2..$fleet stored ${fleet_default_bytes// /, } bytes in the registry. With no engine answering: $fleet_noengine_digests distinct digest(s), clones 2..$fleet stored ${fleet_noengine_bytes// /, } bytes."
} | tee -a "$root/build/benchmark-results.md"
