using System.Text.Json;
using Docker.DotNet.Models;

namespace PipelineImage.Engine;

/// <summary>
/// Follows the JSON messages of <c>POST /build</c>: output lines, the current step and its output, the error
/// and the built image's id. Called synchronously in stream order.
/// </summary>
internal sealed partial class ClassicBuildProgress(Action<string> output) : IProgress<JSONMessage>
{
    private const int MaxStepOutputLines = 60;
    private readonly Queue<string> _stepOutput = new();
    private string _partialLine = "";
    private bool _cached;
    private bool _fromStep;
    private bool _built;

    public string? CurrentStep { get; private set; }

    public string? Error { get; private set; }

    public string? ImageId { get; private set; }

    public IReadOnlyList<string> StepOutput => [.. _stepOutput];

    /// <summary>The engine said the image is built (its last step committed).</summary>
    public bool Built => ImageId is not null || _built;

    /// <summary>The images the steps committed, oldest first; not the ones they took from the cache.</summary>
    public List<string> CreatedImages { get; } = [];

    public void Report(JSONMessage value)
    {
        if (!string.IsNullOrEmpty(value.Stream))
        {
            var text = _partialLine + value.Stream;
            var lines = text.Split('\n');
            for (var i = 0; i < lines.Length - 1; i++)
            {
                Line(lines[i].TrimEnd('\r'));
            }

            _partialLine = lines[^1];
        }

        if (!string.IsNullOrEmpty(value.Status))
        {
            Line(string.IsNullOrEmpty(value.ID) ? value.Status : $"{value.ID}: {value.Status}");
        }

        if (value.Error is not null && !string.IsNullOrEmpty(value.Error.Message))
        {
            Error = value.Error.Message.TrimEnd();
        }

        if (value.Aux?.ExtensionData is { } aux && aux.TryGetValue("ID", out var id))
        {
            ImageId = id is JsonElement { ValueKind: JsonValueKind.String } element ? element.GetString() : id?.ToString();
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\A\s*---> ([0-9a-f]{12,64})\z")]
    private static partial System.Text.RegularExpressions.Regex StepImage();

    [System.Text.RegularExpressions.GeneratedRegex(@"\AStep [0-9]+/[0-9]+ : FROM ", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex FromStep();

    public void Flush()
    {
        if (_partialLine.Length > 0)
        {
            Line(_partialLine);
            _partialLine = "";
        }
    }

    private void Line(string raw)
    {
        var line = BuildFailure.Clean(raw);
        output(line);
        if (line.StartsWith("Step ", StringComparison.Ordinal))
        {
            CurrentStep = line;
            _stepOutput.Clear();
            _cached = false;
            _fromStep = FromStep().IsMatch(line);
            return;
        }

        if (line.StartsWith("Successfully built ", StringComparison.Ordinal))
        {
            _built = true;
        }

        // " ---> Using cache" then " ---> <id>" for a cached step, " ---> <id>" alone for a committed one; after
        // FROM, " ---> <id>" is the base image, which is never ours to remove.
        if (line.Trim() == "---> Using cache")
        {
            _cached = true;
        }
        else if (StepImage().Match(line) is { Success: true } committed)
        {
            if (!_cached && !_fromStep)
            {
                CreatedImages.Add(committed.Groups[1].Value);
            }

            _cached = false;
        }

        _stepOutput.Enqueue(line);
        if (_stepOutput.Count > MaxStepOutputLines)
        {
            _stepOutput.Dequeue();
        }
    }
}
