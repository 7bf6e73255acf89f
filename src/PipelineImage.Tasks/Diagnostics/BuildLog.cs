namespace PipelineImage.Diagnostics;

/// <summary>What a build, a push or a save said, at the importance MSBuild shows it.</summary>
/// <param name="Normal">The engine's output and what was decided (shown at normal verbosity).</param>
/// <param name="High">What a user waits for (shown at minimal verbosity).</param>
internal sealed record BuildLog(Action<string> Normal, Action<string> High);
