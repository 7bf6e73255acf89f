namespace PipelineImage.Tasks;

// The ToolTasks: each has the parameters of its in-process task (Tasks/Parameters/) and runs it in the tool.

/// <summary>The engine tasks' shared parameters, in the tool.</summary>
public abstract partial class EngineTask : PipelineImageTask
{
}

/// <summary>GeneratePipelineDockerfile, in the tool (it reads the base image from the engine).</summary>
public sealed partial class GeneratePipelineDockerfile : EngineTask
{
}

/// <summary>BuildPipelineImage, in the tool.</summary>
public sealed partial class BuildPipelineImage : EngineTask
{
}

/// <summary>PushPipelineImage, in the tool.</summary>
public sealed partial class PushPipelineImage : EngineTask
{
}

/// <summary>SavePipelineImage, in the tool.</summary>
public sealed partial class SavePipelineImage : EngineTask
{
}

/// <summary>DescribePipelineImage, in the tool.</summary>
public sealed partial class DescribePipelineImage : EngineTask
{
}

/// <summary>WritePipelineDefinitions, in the tool.</summary>
public sealed partial class WritePipelineDefinitions : PipelineImageTask
{
}
