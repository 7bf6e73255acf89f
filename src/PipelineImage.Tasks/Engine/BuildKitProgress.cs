using System.Text;
using System.Text.Json;
using PipelineImage.Engine.BuildKit;

namespace PipelineImage.Engine;

/// <summary>
/// Follows the JSON messages of <c>POST /build?version=2</c>: BuildKit's progress as base64 protobuf
/// (<c>moby.buildkit.trace</c>, a <see cref="StatusResponse"/>), the image id (<c>moby.image.id</c>) and the error.
/// Steps are logged as the classic builder logs them (<c>Step 2/5 : RUN ...</c>, <c> ---> Using cache</c>, then the
/// step's output), so a log reads alike whichever builder ran; BuildKit's own steps (<c>[internal] ...</c>) are not.
/// </summary>
internal sealed partial class BuildKitProgress(Action<string> output)
{
    private const int MaxStepOutputLines = 60;
    private readonly Dictionary<string, Step> _steps = new(StringComparer.Ordinal);

    public string? Error { get; private set; }

    public string? ImageId { get; private set; }

    /// <summary>The step that failed (as the log names it), when one did.</summary>
    public string? FailedStep { get; private set; }

    /// <summary>The last lines of the failed step's output.</summary>
    public IReadOnlyList<string> FailedStepOutput { get; private set; } = [];

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
        else if (id == "moby.image.id" && root.TryGetProperty("aux", out var aux) && aux.TryGetProperty("ID", out var imageId))
        {
            ImageId = imageId.GetString();
        }
        else if (root.TryGetProperty("errorDetail", out var detail) && detail.TryGetProperty("message", out var message))
        {
            Error = message.GetString()?.TrimEnd();
        }
        else if (root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String)
        {
            Error = error.GetString()?.TrimEnd();
        }
        else if (root.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.String)
        {
            foreach (var line in stream.GetString()!.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                output(BuildFailure.Clean(line));
            }
        }
    }

    private void Trace(StatusResponse status)
    {
        foreach (var vertex in status.Vertexes)
        {
            if (!_steps.TryGetValue(vertex.Digest, out var step))
            {
                step = new Step(StepName(vertex.Name));
                _steps[vertex.Digest] = step;
            }

            if (!step.Announced && (vertex.Started is not null || vertex.Cached) && !step.Internal)
            {
                step.Announced = true;
                output(step.Name);
            }

            if (vertex.Cached && !step.CacheAnnounced && !step.Internal)
            {
                step.CacheAnnounced = true;
                output(" ---> Using cache");
            }

            if (vertex.Error.Length > 0 && FailedStep is null && !vertex.Error.Contains("context canceled", StringComparison.Ordinal))
            {
                FailedStep = step.Name;
                FailedStepOutput = [.. step.Output];
            }
        }

        foreach (var log in status.Logs)
        {
            if (_steps.TryGetValue(log.Vertex, out var step))
            {
                // A log message is a chunk of the step's output, not a line: a line can come in several.
                step.Partial.Append(log.Msg.ToString(Encoding.UTF8));
                var text = step.Partial.ToString();
                var end = text.LastIndexOf('\n');
                if (end >= 0)
                {
                    step.Partial.Clear().Append(text[(end + 1)..]);
                    Lines(step, text[..end]);
                }
            }
        }
    }

    private void Lines(Step step, string text)
    {
        foreach (var line in text.Split('\n'))
        {
            var clean = BuildFailure.Clean(line);
            if (clean.Length == 0)
            {
                continue;
            }

            output(clean);
            step.Output.Enqueue(clean);
            if (step.Output.Count > MaxStepOutputLines)
            {
                step.Output.Dequeue();
            }
        }
    }

    /// <summary>Once the response ended: the failed step's output includes what it logged after its error came.</summary>
    public void Complete()
    {
        foreach (var step in _steps.Values.Where(step => step.Partial.Length > 0))
        {
            Lines(step, step.Partial.ToString());
            step.Partial.Clear();
        }

        if (FailedStep is not null && _steps.Values.FirstOrDefault(step => step.Name == FailedStep) is { } failed)
        {
            FailedStepOutput = [.. failed.Output];
        }
    }

    // "[2/5] RUN x" (or "[stage-0 2/5] RUN x", as the Dockerfile frontend names a step with a mount) reads as the
    // classic builder's "Step 2/5 : RUN x".
    private static string StepName(string name)
    {
        var match = StepPosition().Match(name);
        return match.Success ? $"Step {match.Groups["position"].Value} : {name[match.Length..]}" : name;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^\[(?:[^\] ]+ )?(?<position>[0-9]+/[0-9]+)\] ")]
    private static partial System.Text.RegularExpressions.Regex StepPosition();

    private sealed class Step(string name)
    {
        public string Name { get; } = name;

        public bool Internal => Name.StartsWith('[');

        public bool Announced { get; set; }

        public bool CacheAnnounced { get; set; }

        public Queue<string> Output { get; } = new();

        public StringBuilder Partial { get; } = new();
    }
}
