#!/usr/bin/env bash
# The main job: provision the engine and base images, publish samples/HelloPipeline into an image, and run it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

"$root/build/test-env.sh"
dotnet publish "$root/samples/HelloPipeline/HelloPipeline.csproj" -c Release -nodeReuse:false
echo "--- docker run --rm --network none -e PIPELINE_STEP=train hellopipeline:1.0.0"
docker run --rm --network none -e PIPELINE_STEP=train hellopipeline:1.0.0
