using System.Text.RegularExpressions;

namespace PipelineImage.Engine;

/// <summary>
/// Reads the JSON messages of <c>POST /build</c> from the classic builder and from Podman (buildah), which answer
/// the same messages with their own lines (<c>Step 2/5 : RUN x</c>, <c> ---> Using cache</c>, <c> ---> 3f2a…</c>;
/// <c>STEP 2/5: RUN x</c>, <c>--> Using cache 3f2a…</c>, <c>--> 3f2a…</c>), into <see cref="BuildEvent"/>s. Steps run
/// one after another, so every line belongs to the last step started. Called synchronously in stream order.
/// </summary>
internal sealed partial class ClassicBuildProgress(BuildEventLog log)
{
    private readonly LineBuffer _lines = new();
    private string? _step;
    private bool _cached;
    private bool _fromStep;
    private bool _built;

    /// <summary>The engine said the image is built (its last step committed).</summary>
    public bool Built => log.ImageId is not null || _built;

    /// <summary>The images the steps committed, oldest first; not the ones they took from the cache.</summary>
    public List<string> CreatedImages { get; } = [];

    /// <summary>One line of the answer: a JSON message.</summary>
    /// <exception cref="System.Text.Json.JsonException">The line is not one.</exception>
    public void Report(string line) => Report(EngineMessage.Parse(line));

    public void Report(EngineMessage value)
    {
        if (!string.IsNullOrEmpty(value.Stream))
        {
            foreach (var line in _lines.Add(value.Stream))
            {
                Line(line);
            }
        }

        if (!string.IsNullOrEmpty(value.Status))
        {
            Line(string.IsNullOrEmpty(value.Id) ? value.Status : $"{value.Id}: {value.Status}");
        }

        if (value.ErrorMessage is { } error)
        {
            if (_step is not null)
            {
                log.Add(new StepFailed(_step));
            }

            log.Add(new BuildError(error.TrimEnd()));
        }

        if (value.AuxString("ID") is { } imageId)
        {
            log.Add(new ImageBuilt(imageId));
        }
    }

    /// <summary>The response ended: its last line, if it had no line end.</summary>
    public void Flush()
    {
        if (_lines.Flush() is { } last)
        {
            Line(last);
        }
    }

    private void Line(string raw)
    {
        var line = BuildFailure.Clean(raw);
        if (line.Length == 0)
        {
            return;
        }

        if (Step().Match(line) is { Success: true } step)
        {
            _step = $"Step {step.Groups["position"].Value} : {step.Groups["instruction"].Value}";
            _cached = false;
            _fromStep = step.Groups["instruction"].Value.StartsWith("FROM ", StringComparison.OrdinalIgnoreCase);
            log.Add(new StepStarted(_step));
            return;
        }

        // " ---> Using cache" then " ---> <id>" for a cached step (Podman: "--> Using cache <id>", "--> <id>"), and
        // " ---> <id>" alone for a committed one; after FROM, the id is the base image's, never ours to remove.
        if (UsingCache().IsMatch(line) && _step is not null)
        {
            _cached = true;
            log.Add(new StepCached(_step));
            return;
        }

        if (StepImage().Match(line) is { Success: true } committed)
        {
            if (!_cached && !_fromStep && _step is not null)
            {
                CreatedImages.Add(committed.Groups["id"].Value);
            }

            _cached = false;
            return;
        }

        if (line.StartsWith("Successfully built ", StringComparison.Ordinal))
        {
            _built = true;
        }

        // Bookkeeping of the builders' own, which no other builder prints.
        if (line.StartsWith("Removing intermediate container ", StringComparison.Ordinal)
            || line.StartsWith(" ---> Running in ", StringComparison.Ordinal) || line.StartsWith("COMMIT ", StringComparison.Ordinal))
        {
            return;
        }

        log.Add(new StepOutput(_step, line));
    }

    [GeneratedRegex(@"\A(?:Step|STEP) (?<position>[0-9]+/[0-9]+) ?: (?<instruction>.+)\z")]
    private static partial Regex Step();

    [GeneratedRegex(@"\A\s*-{2,3}> Using cache(?: [0-9a-f]+)?\z")]
    private static partial Regex UsingCache();

    [GeneratedRegex(@"\A\s*-{2,3}> (?<id>[0-9a-f]{11,64})\z")]
    private static partial Regex StepImage();
}
