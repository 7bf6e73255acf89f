using System;
using System.Collections;
using Microsoft.Build.Framework;

namespace PipelineImage.MonoHost;

/// <summary>
/// <c>mono PipelineImage.Tasks.MonoHost.exe dotnet tool.dll image.json</c>: runs the PushPipelineImage ToolTask
/// (its image record named by the last argument) and prints every event it logged, one a line, then its result and
/// its outputs.
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        var task = new Tasks.PushPipelineImage
        {
            DotNetHostPath = args[0],
            ToolAssemblyPath = args[1],
            ImageRecordPath = args[2],
            BuildEngine = new PrintingBuildEngine(),
        };
        var succeeded = task.Execute();
        Console.WriteLine("runtime: " + (Type.GetType("Mono.Runtime") is null ? ".NET Framework" : "Mono"));
        Console.WriteLine("succeeded: " + succeeded);
        foreach (var pushed in task.PushedReferences)
        {
            Console.WriteLine($"pushed: {pushed.ItemSpec} {pushed.GetMetadata("Digest")}");
        }

        return 0;
    }

    // IBuildEngine3 as MSBuild's: the ToolTask yields the node while the tool runs.
    private sealed class PrintingBuildEngine : IBuildEngine3
    {
        public bool IsRunningMultipleNodes => false;

        public void Yield() => Console.WriteLine("yield");

        public void Reacquire() => Console.WriteLine("reacquire");

        public bool BuildProjectFile(string projectFileName, string[] targetNames, IDictionary globalProperties, IDictionary targetOutputs, string toolsVersion) => false;

        public bool BuildProjectFilesInParallel(string[] projectFileNames, string[] targetNames, IDictionary[] globalProperties, IDictionary[] targetOutputsPerProject,
            string[] toolsVersion, bool useResultsCache, bool unloadProjectsOnCompletion) => false;

        public BuildEngineResult BuildProjectFilesInParallel(string[] projectFileNames, string[] targetNames, IDictionary[] globalProperties,
            System.Collections.Generic.IList<string>[] removeGlobalProperties, string[] toolsVersion, bool returnTargetOutputs) => new(false, null);

        public bool ContinueOnError => false;

        public int LineNumberOfTaskNode => 7;

        public int ColumnNumberOfTaskNode => 5;

        public string ProjectFileOfTaskNode => "/mono/App.csproj";

        public void LogErrorEvent(BuildErrorEventArgs e) =>
            Console.WriteLine($"error {e.Code} at {e.File}({e.LineNumber},{e.ColumnNumber}): {e.Message}");

        public void LogWarningEvent(BuildWarningEventArgs e) => Console.WriteLine($"warning {e.Code}: {e.Message}");

        public void LogMessageEvent(BuildMessageEventArgs e) => Console.WriteLine($"message {e.Importance}: {e.Message}");

        public void LogCustomEvent(CustomBuildEventArgs e) => Console.WriteLine("custom: " + e.Message);

        public bool BuildProjectFile(string projectFileName, string[] targetNames, IDictionary globalProperties, IDictionary targetOutputs) => false;
    }
}
