namespace PipelineImage.Engine;

/// <summary>
/// The account of one build from its <see cref="BuildEvent"/>s, alike for every builder: each step as
/// <c>Step 2/5 : RUN ...</c>, <c> ---> Using cache</c> when it was cached, then its output, all at normal importance;
/// and for a failure, the step that failed with its last lines of output (PIMG1003).
/// </summary>
internal sealed class BuildEventLog(Action<string> output)
{
    private const int MaxStepOutputLines = 60;
    private readonly Dictionary<string, Queue<string>> _stepOutput = new(StringComparer.Ordinal);

    public string? FailedStep { get; private set; }

    public string? Error { get; private set; }

    public string? ImageId { get; private set; }

    public void Add(BuildEvent buildEvent)
    {
        switch (buildEvent)
        {
            case StepStarted started:
                _stepOutput[started.Step] = new Queue<string>();
                output(started.Step);
                break;
            case StepCached:
                output(" ---> Using cache");
                break;
            case StepOutput line:
                output(line.Line);
                if (line.Step is not null && _stepOutput.TryGetValue(line.Step, out var lines))
                {
                    lines.Enqueue(line.Line);
                    if (lines.Count > MaxStepOutputLines)
                    {
                        lines.Dequeue();
                    }
                }

                break;
            case StepFailed failed:
                FailedStep ??= failed.Step;
                break;
            case BuildError error:
                Error ??= error.Message;
                break;
            case ImageBuilt built:
                ImageId = built.ImageId;
                break;
        }
    }

    /// <summary>The failure, when the builder reported an error: PIMG1003 with the step and its last output.</summary>
    public ImageBuildFailedException? Failure() => Error is null ? null
        : new ImageBuildFailedException(FailedStep ?? "the build", Error,
            FailedStep is not null && _stepOutput.TryGetValue(FailedStep, out var lines) ? [.. lines] : []);
}
