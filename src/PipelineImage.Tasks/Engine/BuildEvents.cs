namespace PipelineImage.Engine;

/// <summary>
/// What a builder reports, whichever builder it is: each builder's stream reader (<see cref="ClassicBuildProgress"/>
/// for the classic builder and Podman, <see cref="BuildKitProgress"/> for BuildKit) turns what it reads into these, and
/// <see cref="BuildEventLog"/> logs them and keeps what a failure needs.
/// </summary>
internal abstract record BuildEvent;

/// <param name="Step">The step as the log names it for every builder: <c>Step 2/5 : RUN ...</c>.</param>
internal sealed record StepStarted(string Step) : BuildEvent;

/// <param name="Step">The step, which the builder took from its cache instead of running it.</param>
internal sealed record StepCached(string Step) : BuildEvent;

/// <param name="Step">The step that printed the line; null: the builder's own line, in no step.</param>
/// <param name="Line">One line, without terminal escape codes.</param>
internal sealed record StepOutput(string? Step, string Line) : BuildEvent;

/// <param name="Step">The step that failed.</param>
internal sealed record StepFailed(string Step) : BuildEvent;

/// <param name="Message">The builder's error, which ends the build.</param>
internal sealed record BuildError(string Message) : BuildEvent;

/// <param name="ImageId">The id of the image the build made.</param>
internal sealed record ImageBuilt(string ImageId) : BuildEvent;
