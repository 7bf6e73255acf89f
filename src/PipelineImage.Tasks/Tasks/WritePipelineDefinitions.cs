using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using PipelineImage.Definitions;

namespace PipelineImage.Tasks;

/// <summary>
/// Writes @(PipelineDefinition) with each <c>pipelineimage://&lt;ProjectName&gt;</c> replaced by that step's image by
/// digest (<see cref="PipelineDefinitions"/>), once every referenced step is published and pushed.
/// </summary>
public sealed partial class WritePipelineDefinitions : PipelineImageTask
{
    protected override async System.Threading.Tasks.Task ExecuteAsync(CancellationToken cancellationToken)
    {
        var files = PipelineDefinitions.Plan(Definitions.Select(item => item.GetMetadata("FullPath")).ToList(), OutputDirectory);
        var steps = StepProjects.Select(project => project.GetMetadata("FullPath")).Distinct(StringComparer.Ordinal).Select(project =>
        {
            var pushed = StepImages.FirstOrDefault(image => string.Equals(Path.GetFullPath(image.GetMetadata("MSBuildSourceProjectFile")), project, StringComparison.Ordinal));
            return new StepImage(Path.GetFileNameWithoutExtension(project), pushed?.GetMetadata("PinnedReference") is { Length: > 0 } pinned ? pinned : null,
                "its publish made and pushed no image (it is no app, it does not reference PipelineImage.Tasks, PipelineImageEnabled is false, or PipelineImageSkipBuild is true)");
        }).ToList();

        var written = await PipelineDefinitions.WriteAsync(files, steps).ConfigureAwait(false);
        foreach (var (output, changed) in written)
        {
            Log.LogMessage(MessageImportance.High, changed ? "Wrote the pipeline definition {0}" : "The pipeline definition {0} is up to date", output);
        }

        WrittenDefinitions = written.Select(file =>
        {
            var item = new TaskItem(file.Output);
            item.SetMetadata("Changed", file.Changed ? "true" : "false");
            return (ITaskItem)item;
        }).ToArray();
    }
}
