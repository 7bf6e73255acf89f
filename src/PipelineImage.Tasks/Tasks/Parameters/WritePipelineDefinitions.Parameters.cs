using Microsoft.Build.Framework;

namespace PipelineImage.Tasks;

// The task's parameters, compiled into the in-process task and into its ToolTask (see GeneratePipelineDockerfile.Parameters.cs).
public sealed partial class WritePipelineDefinitions
{
    /// <summary>@(PipelineDefinition): the definitions to write, with their FullPath.</summary>
    [Required] public ITaskItem[] Definitions { get; set; } = [];

    /// <summary>PipelineDefinitionOutputPath, full: where each definition is written, by its file name.</summary>
    [Required] public string OutputDirectory { get; set; } = "";

    /// <summary>The steps: the referenced projects (their full paths), and this project when it pushed an image.</summary>
    public ITaskItem[] StepProjects { get; set; } = [];

    /// <summary>What the steps pushed: @(PipelineImagePushedReference) of each, with MSBuildSourceProjectFile and PinnedReference.</summary>
    public ITaskItem[] StepImages { get; set; } = [];

    /// <summary>The definitions written, with Changed metadata (<c>true</c> when their text changed).</summary>
    [Output] public ITaskItem[] WrittenDefinitions { get; set; } = [];
}
