using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using PipelineImage.Diagnostics;
using PipelineImage.OutOfProcess;

namespace PipelineImage.Tasks;

/// <summary>
/// The task of the same name, run by the tool in a .NET process: <c>dotnet exec PipelineImage.Tool.dll run</c> with a
/// request file that holds every parameter of the task (the same properties as in process, compiled from
/// Tasks/Parameters/), logging what the tool prints (errors and warnings with their PIMG codes, file, position and help
/// link) and taking the outputs from its response file. Cancel asks the tool to stop on its standard input, so that it
/// cleans up as the in-process task does, and ends it only if it has not stopped within <see cref="CancelGrace"/>.
/// </summary>
public abstract partial class PipelineImageTask : ToolTask
{
    /// <summary>How long a cancelled tool may take to clean up (remove its intermediate images) before it is ended.</summary>
    public static readonly TimeSpan CancelGrace = TimeSpan.FromSeconds(20);

    private const string ToolFailed = "PIMG0004";

    private string _requestPath = "";
    private string _responsePath = "";
    private Process? _tool;
    private volatile bool _cancelled;
    private Timer? _endAfterGrace;

    protected PipelineImageTask()
    {
        // The node goes on with other projects while the tool runs (dotnet publish -m, Visual Studio's parallel build).
        YieldDuringToolExecution = true;
    }

    protected override string ToolName => Path.DirectorySeparatorChar == '\\' ? "dotnet.exe" : "dotnet";

    protected override Encoding StandardOutputEncoding => new UTF8Encoding(false);

    protected override Encoding StandardErrorEncoding => new UTF8Encoding(false);

    protected override string GenerateFullPathToTool() => DotNetHostPath;

    protected override string GenerateCommandLineCommands()
    {
        var command = new CommandLineBuilder();
        command.AppendSwitch("exec");
        command.AppendFileNameIfNotNull(ToolAssemblyPath);
        command.AppendSwitch("run");
        command.AppendSwitchIfNotNull("--request ", _requestPath);
        command.AppendSwitchIfNotNull("--response ", _responsePath);
        command.AppendSwitch("--stdin-cancels");
        return command.ToString();
    }

    public override bool Execute()
    {
        var directory = Path.Combine(Path.GetTempPath(), "pipelineimage-" + Guid.NewGuid().ToString("N"));
        _requestPath = Path.Combine(directory, "request.xml");
        _responsePath = Path.Combine(directory, "response.xml");
        try
        {
            Directory.CreateDirectory(directory);
            var parameters = ToolProtocol.ParametersOf(GetType(), typeof(PipelineImageTask));
            ToolProtocol.WriteRequest(_requestPath, new ToolRequest(GetType().Name, BuildEngine.ProjectFileOfTaskNode,
                BuildEngine.LineNumberOfTaskNode, BuildEngine.ColumnNumberOfTaskNode,
                parameters.Where(p => !ToolProtocol.IsOutput(p)).Select(p => ToolProtocol.ToParameter(p.Name, p.GetValue(this))).ToList()));
            if (!base.Execute() || Log.HasLoggedErrors)
            {
                return false;
            }

            foreach (var output in ToolProtocol.ReadResponse(_responsePath))
            {
                var property = parameters.FirstOrDefault(p => p.Name == output.Name && ToolProtocol.IsOutput(p));
                property?.SetValue(this, ToolProtocol.FromParameter(output, property.PropertyType, OutputItem));
            }

            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException
                                      or System.Xml.XmlException or InvalidDataException)
        {
            // Never MSB4018: a request that cannot be written (a value XML cannot hold, a full temporary directory) or a
            // response that cannot be read is one coded error.
            Log.LogError(null, ToolFailed, null, HelpLinks.For(ToolFailed), BuildEngine.ProjectFileOfTaskNode, BuildEngine.LineNumberOfTaskNode,
                BuildEngine.ColumnNumberOfTaskNode, 0, 0, "The PipelineImage tool could not be handed {0} or answer it ({1}: {2}), in {3}.",
                GetType().Name, e.GetType().Name, e.Message, directory);
            return false;
        }
        finally
        {
            _endAfterGrace?.Dispose();
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Log.LogMessage(MessageImportance.Low, "Could not remove {0}: {1}", directory, e.Message);
            }
        }
    }

    public override void Cancel()
    {
        _cancelled = true;
        var tool = _tool;
        try
        {
            tool?.StandardInput.WriteLine(ToolProtocol.CancelLine);
            tool?.StandardInput.Flush();
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException)
        {
            // The tool has ended already.
        }

        _endAfterGrace = new Timer(_ => EndTool(), null, tool is null ? TimeSpan.Zero : CancelGrace, System.Threading.Timeout.InfiniteTimeSpan);
    }

    private void EndTool() => base.Cancel();

    protected override ProcessStartInfo GetProcessStartInfo(string pathToTool, string commandLineCommands, string responseFileSwitch)
    {
        var start = base.GetProcessStartInfo(pathToTool, commandLineCommands, responseFileSwitch);
        start.RedirectStandardInput = true;
        return start;
    }

    protected override Process StartToolProcess(Process proc)
    {
        _tool = base.StartToolProcess(proc);
        return _tool;
    }

    protected override void LogEventsFromTextOutput(string singleLine, MessageImportance messageImportance)
    {
        if (ToolProtocol.TryParseMessage(singleLine, out var importance, out var text))
        {
            Log.LogMessage(importance, "{0}", text);
        }
        else if (ToolProtocol.TryParseDiagnostic(singleLine, out var diagnostic))
        {
            var help = HelpLinks.For(diagnostic.Code);
            if (diagnostic.Kind == "error")
            {
                Log.LogError(null, diagnostic.Code, null, help, diagnostic.File, diagnostic.Line, diagnostic.Column, 0, 0, "{0}", diagnostic.Text);
            }
            else
            {
                Log.LogWarning(null, diagnostic.Code, null, help, diagnostic.File, diagnostic.Line, diagnostic.Column, 0, 0, "{0}", diagnostic.Text);
            }
        }
        else
        {
            // Not ours (the runtime's own words, say): as it is, an error or warning only if it reads like one.
            base.LogEventsFromTextOutput(singleLine, messageImportance);
        }
    }

    protected override bool HandleTaskExecutionErrors()
    {
        if (_cancelled)
        {
            Log.LogMessage(MessageImportance.High, "{0} was canceled.", GetType().Name);
        }
        else if (!Log.HasLoggedErrors)
        {
            Log.LogError(null, ToolFailed, null, HelpLinks.For(ToolFailed), BuildEngine.ProjectFileOfTaskNode, BuildEngine.LineNumberOfTaskNode,
                BuildEngine.ColumnNumberOfTaskNode, 0, 0,
                "The PipelineImage tool ({0} exec {1}) ended with exit code {2} without saying why. Its output is in the build log at normal verbosity (-v:n); report it with that output.",
                DotNetHostPath, ToolAssemblyPath, ExitCode);
        }

        return false;
    }

    private static ITaskItem OutputItem(ToolItem item)
    {
        var output = new TaskItem(item.Spec);
        foreach (var pair in item.Metadata.Where(pair => !ToolItem.WellKnownMetadata.Contains(pair.Key, StringComparer.OrdinalIgnoreCase)))
        {
            output.SetMetadata(pair.Key, pair.Value);
        }

        return output;
    }
}
