using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using PipelineImage.Engine.BuildKit;

namespace PipelineImage.Engine;

/// <summary>
/// Reads the JSON messages of <c>POST /build?version=2</c> into <see cref="BuildEvent"/>s: BuildKit's progress as base64
/// protobuf (<c>moby.buildkit.trace</c>, a <see cref="StatusResponse"/> of vertexes and their logs), the image id
/// (<c>moby.image.id</c>) and the error. A vertex <c>[2/5] RUN x</c> (or <c>[stage-0 2/5] RUN x</c>) is the step
/// <c>Step 2/5 : RUN x</c>; BuildKit's own vertexes (<c>[internal] ...</c>) are no step and not logged. A vertex's log
/// comes in chunks, not lines: they are joined into lines per vertex.
/// </summary>
internal sealed partial class BuildKitProgress(BuildEventLog log)
{
    private readonly Dictionary<string, Vertex> _vertexes = new(StringComparer.Ordinal);

    /// <summary>One line of the response.</summary>
    public void Report(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var id = root.TryGetProperty("id", out var idElement) ? idElement.GetString() : null;
        if (id == "moby.buildkit.trace" && root.TryGetProperty("aux", out var trace) && trace.ValueKind == JsonValueKind.String)
        {
            Trace(StatusResponse.Parser.ParseFrom(Convert.FromBase64String(trace.GetString()!)));
        }
        else if (id == "moby.image.id" && root.TryGetProperty("aux", out var aux) && aux.TryGetProperty("ID", out var imageId)
                 && imageId.GetString() is { } built)
        {
            log.Add(new ImageBuilt(built));
        }
        else if (root.TryGetProperty("errorDetail", out var detail) && detail.TryGetProperty("message", out var message) && message.GetString() is { } error)
        {
            log.Add(new BuildError(error.TrimEnd()));
        }
        else if (root.TryGetProperty("error", out var plain) && plain.ValueKind == JsonValueKind.String)
        {
            log.Add(new BuildError(plain.GetString()!.TrimEnd()));
        }
        else if (root.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.String)
        {
            foreach (var line in stream.GetString()!.Split('\n').Select(BuildFailure.Clean).Where(line => line.Length > 0))
            {
                log.Add(new StepOutput(null, line));
            }
        }
    }

    /// <summary>The response ended: what each vertex logged after its last line end.</summary>
    public void Complete()
    {
        foreach (var vertex in _vertexes.Values)
        {
            if (vertex.Output.Flush() is { } last)
            {
                Lines(vertex, [last]);
            }
        }
    }

    /// <summary>One status message of the build (from the Engine API's trace or the Control API's Status).</summary>
    public void Trace(StatusResponse status)
    {
        foreach (var update in status.Vertexes)
        {
            if (!_vertexes.TryGetValue(update.Digest, out var vertex))
            {
                vertex = new Vertex(update.Name, StepName(update.Name));
                _vertexes[update.Digest] = vertex;
            }

            // A step cancelled because another failed is not the failure; BuildKit's own vertexes fail too (a base
            // image it cannot resolve fails "[internal] load metadata for ...").
            if (update.Error.Length > 0 && !update.Error.Contains("context canceled", StringComparison.Ordinal))
            {
                log.Add(new StepFailed(vertex.Step ?? vertex.Name));
            }

            if (vertex.Step is not { } step)
            {
                continue;
            }

            if (!vertex.Announced && (update.Started is not null || update.Cached))
            {
                vertex.Announced = true;
                log.Add(new StepStarted(step));
            }

            if (update.Cached && !vertex.CacheAnnounced)
            {
                vertex.CacheAnnounced = true;
                log.Add(new StepCached(step));
            }
        }

        foreach (var chunk in status.Logs)
        {
            if (_vertexes.TryGetValue(chunk.Vertex, out var vertex))
            {
                Lines(vertex, vertex.Output.Add(chunk.Msg.ToString(Encoding.UTF8)));
            }
        }
    }

    private void Lines(Vertex vertex, IEnumerable<string> lines)
    {
        foreach (var line in lines.Select(BuildFailure.Clean).Where(line => line.Length > 0))
        {
            log.Add(new StepOutput(vertex.Step, line));
        }
    }

    // "[2/5] RUN x" and "[stage-0 2/5] RUN x" are the step "Step 2/5 : RUN x"; "[internal] ..." and the like are none.
    private static string? StepName(string name)
    {
        var match = StepPosition().Match(name);
        return match.Success ? $"Step {match.Groups["position"].Value} : {name[match.Length..]}"
            : name.StartsWith('[') ? null
            : name;
    }

    [GeneratedRegex(@"^\[(?:[^\] ]+ )?(?<position>[0-9]+/[0-9]+)\] ")]
    private static partial Regex StepPosition();

    // Step: null for BuildKit's own vertexes, which are no step of the Dockerfile.
    private sealed class Vertex(string name, string? step)
    {
        public string Name { get; } = name;

        public string? Step { get; } = step;

        public bool Announced { get; set; }

        public bool CacheAnnounced { get; set; }

        public LineBuffer Output { get; } = new();
    }
}
