namespace PipelineImage.Tasks;

// What the targets give every task, in process and in the ToolTask. Not sent to the tool.
public abstract partial class PipelineImageTask
{
    /// <summary>
    /// The dotnet host that runs the tool (the ToolTask of tasks/net472/, or PipelineImageOutOfProcess=true). The
    /// in-process task takes it only so that the targets call both alike.
    /// </summary>
    public string DotNetHostPath { get; set; } = "";

    /// <summary>PipelineImage.Tool.dll, which the dotnet host runs (out of process only, as <see cref="DotNetHostPath"/>).</summary>
    public string ToolAssemblyPath { get; set; } = "";
}
