using System.Text.RegularExpressions;
using PipelineImage.Diagnostics;
using PipelineImage.Intermediate;

namespace PipelineImage.Definitions;

/// <summary>A step the definitions may name: a referenced project, and its image by digest when it was pushed.</summary>
/// <param name="Project">The project's name (MSBuildProjectName), as <c>pipelineimage://&lt;Project&gt;</c> names it.</param>
/// <param name="PinnedReference">Its image by digest (<c>name@sha256:…</c>, an index's digest with several platforms); null: not pushed.</param>
/// <param name="NotPushedBecause">Why it has no digest, when it has none.</param>
internal sealed record StepImage(string Project, string? PinnedReference, string NotPushedBecause = "");

/// <param name="Source">The definition as written (<c>@(PipelineDefinition)</c>'s full path).</param>
/// <param name="Output">Where it is written with each step's image by digest.</param>
internal sealed record DefinitionFile(string Source, string Output);

/// <summary>
/// <c>@(PipelineDefinition)</c>: files of any orchestrator (Kubernetes, Argo Workflows, Compose, Airflow...) in which
/// <c>pipelineimage://&lt;ProjectName&gt;</c> stands for the image of that step project; each is written with every
/// placeholder replaced by the step's pinned reference, as <c>ko resolve</c> does for <c>ko://</c>. The text is replaced
/// and nothing else: comments, order and formatting stay as written, and no YAML or JSON parser is needed for any
/// orchestrator's files. Every file is checked before any is written, and a file is rewritten only when its text changes.
/// </summary>
internal static partial class PipelineDefinitions
{
    /// <summary>What stands for a step's image: <c>pipelineimage://Train</c>.</summary>
    public const string Scheme = "pipelineimage://";

    // The scheme and what follows it up to a space, a quote or a bracket: the name of a project, or a mistake.
    [GeneratedRegex(@"pipelineimage://([^\s""'`,;()\[\]{}<>]*)")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^[A-Za-z0-9_.\-]+$")]
    private static partial Regex ProjectName();

    /// <summary>Each definition's text with every placeholder replaced.</summary>
    /// <param name="files">The definitions and where each goes.</param>
    /// <param name="steps">The steps, by project name (any case).</param>
    /// <param name="read">A definition's text.</param>
    /// <exception cref="PipelineImageProblemsException">Every unknown step, step without a digest and leftover placeholder, of every file.</exception>
    public static IReadOnlyList<(DefinitionFile File, string Text)> Render(IReadOnlyList<DefinitionFile> files, IReadOnlyList<StepImage> steps, Func<string, string> read)
    {
        var byName = steps.ToDictionary(step => step.Project, StringComparer.OrdinalIgnoreCase);
        var names = steps.Count == 0 ? "none" : string.Join(", ", steps.Select(step => step.Project).Order(StringComparer.Ordinal));
        var problems = new Problems();
        var rendered = new List<(DefinitionFile, string)>();
        foreach (var file in files)
        {
            var text = read(file.Source);
            var result = Placeholder().Replace(text, match =>
            {
                var line = LineOf(text, match.Index);
                if (!ProjectName().IsMatch(match.Groups[1].Value))
                {
                    problems.Add(new PipelineImageException(DiagnosticCodes.InvalidDefinitionPlaceholder, file.Source, line, match.Value));
                    return match.Value;
                }

                if (!byName.TryGetValue(match.Groups[1].Value, out var step))
                {
                    problems.Add(new PipelineImageException(DiagnosticCodes.UnknownDefinitionStep, file.Source, line, match.Value, names));
                    return match.Value;
                }

                if (step.PinnedReference is null)
                {
                    problems.Add(new PipelineImageException(DiagnosticCodes.DefinitionStepNotPushed, file.Source, line, match.Value, step.Project, step.NotPushedBecause));
                    return match.Value;
                }

                return step.PinnedReference;
            });

            rendered.Add((file, result));
        }

        problems.ThrowIfAny();
        return rendered;
    }

    /// <summary>Renders every definition and writes those whose text changed; nothing is written when one has a problem.</summary>
    /// <returns>Each written file, and whether its text changed.</returns>
    /// <exception cref="PipelineImageProblemsException">As <see cref="Render"/>.</exception>
    public static async Task<IReadOnlyList<(string Output, bool Changed)>> WriteAsync(IReadOnlyList<DefinitionFile> files, IReadOnlyList<StepImage> steps)
    {
        var rendered = Render(files, steps, File.ReadAllText);
        var written = new List<(string, bool)>();
        foreach (var (file, text) in rendered)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file.Output)!);
            written.Add((file.Output, await AtomicFile.WriteIfChangedAsync(file.Output, text).ConfigureAwait(false)));
        }

        return written;
    }

    /// <summary>
    /// Where each definition goes: its file name in <paramref name="outputDirectory"/>, checked to exist and to be the
    /// only one of its name.
    /// </summary>
    /// <param name="sources">The definitions' full paths, as the items give them.</param>
    /// <param name="outputDirectory">PipelineDefinitionOutputPath, full.</param>
    /// <exception cref="PipelineImageProblemsException">PIMG2058 for a file that does not exist, or two of one name.</exception>
    public static IReadOnlyList<DefinitionFile> Plan(IReadOnlyList<string> sources, string outputDirectory)
    {
        var problems = new Problems();
        var files = new List<DefinitionFile>();
        foreach (var group in sources.Distinct(StringComparer.Ordinal).GroupBy(Path.GetFileName, StringComparer.OrdinalIgnoreCase))
        {
            if (group.Skip(1).Any())
            {
                problems.Add(new PipelineImageException(DiagnosticCodes.InvalidDefinition, group.First(),
                    $"has the file name of {string.Join(", ", group.Skip(1))}, and each is written by its name into {outputDirectory}: give them different names"));
                continue;
            }

            var source = group.Single();
            if (!File.Exists(source))
            {
                problems.Add(new PipelineImageException(DiagnosticCodes.InvalidDefinition, source, "does not exist: fix the item's path"));
                continue;
            }

            if (Path.GetFullPath(Path.Combine(outputDirectory, Path.GetFileName(source))) == Path.GetFullPath(source))
            {
                problems.Add(new PipelineImageException(DiagnosticCodes.InvalidDefinition, source,
                    $"would be written over itself: PipelineDefinitionOutputPath ({outputDirectory}) is its own directory; choose another"));
                continue;
            }

            files.Add(new DefinitionFile(source, Path.Combine(outputDirectory, Path.GetFileName(source))));
        }

        problems.ThrowIfAny();
        return files;
    }

    private static int LineOf(string text, int index) => text.AsSpan(0, index).Count('\n') + 1;
}
