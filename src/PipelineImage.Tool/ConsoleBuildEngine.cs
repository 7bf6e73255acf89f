using System.Collections;
using Microsoft.Build.Framework;
using PipelineImage.OutOfProcess;

namespace PipelineImage.Tool;

/// <summary>
/// The task's MSBuild, as far as our tasks use it: every event a line on standard output for the ToolTask to log
/// (<see cref="ToolProtocol"/>), and the task node of the request, so that an error without a file of its own
/// points where it would in process.
/// </summary>
internal sealed class ConsoleBuildEngine(TextWriter output, ToolRequest request) : IBuildEngine
{
    private readonly object _gate = new();

    public bool ContinueOnError => false;

    public int LineNumberOfTaskNode => request.Line;

    public int ColumnNumberOfTaskNode => request.Column;

    public string ProjectFileOfTaskNode => request.ProjectFile;

    public void LogErrorEvent(BuildErrorEventArgs e) => Write(ToolProtocol.FormatDiagnostic("error", e.Code, e.File, e.LineNumber, e.ColumnNumber, e.Message));

    public void LogWarningEvent(BuildWarningEventArgs e) => Write(ToolProtocol.FormatDiagnostic("warning", e.Code, e.File, e.LineNumber, e.ColumnNumber, e.Message));

    public void LogMessageEvent(BuildMessageEventArgs e) => Write(ToolProtocol.FormatMessage(e.Importance, e.Message));

    public void LogCustomEvent(CustomBuildEventArgs e) => LogMessageEvent(new BuildMessageEventArgs(e.Message, null, null, MessageImportance.Low));

    public bool BuildProjectFile(string projectFileName, string[] targetNames, IDictionary globalProperties, IDictionary targetOutputs) =>
        throw new NotSupportedException("The PipelineImage tasks build no other project.");

    private void Write(string line)
    {
        lock (_gate)
        {
            output.WriteLine(line);
        }
    }
}
