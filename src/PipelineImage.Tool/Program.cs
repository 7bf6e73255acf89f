using System.Text;
using Microsoft.Build.Framework;
using PipelineImage.OutOfProcess;
using PipelineImage.Tasks;

namespace PipelineImage.Tool;

/// <summary>
/// <c>dotnet exec PipelineImage.Tool.dll run --request request.xml --response response.xml [--stdin-cancels]</c>:
/// runs the in-process task the request names with its parameters, logs on standard output (see
/// <see cref="ToolProtocol"/>) and writes the task's outputs. Exit code 0 when the task succeeded, 1 when it failed,
/// 2 for a command line or request it cannot read. Ctrl+C, or "cancel" (or the end) on standard input with
/// --stdin-cancels, cancels the task as MSBuild's cancellation does in process.
/// </summary>
internal static class Program
{
    private const string Usage = "usage: PipelineImage.Tool run --request <request.xml> --response <response.xml> [--stdin-cancels]";

    public static int Main(string[] args)
    {
        var output = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = true };
        if (!TryParse(args, out var requestPath, out var responsePath, out var stdinCancels))
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        ToolRequest request;
        try
        {
            request = ToolProtocol.ReadRequest(requestPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Xml.XmlException or InvalidDataException or FormatException)
        {
            Console.Error.WriteLine($"PipelineImage.Tool: cannot read the request {requestPath}: {e.Message}");
            return 2;
        }

        var task = Create(request.Task);
        if (task is null)
        {
            Console.Error.WriteLine($"PipelineImage.Tool: there is no task {request.Task}.");
            return 2;
        }

        var parameters = ToolProtocol.ParametersOf(task.GetType(), typeof(PipelineImageTask));
        foreach (var parameter in request.Parameters)
        {
            var property = parameters.FirstOrDefault(p => p.Name == parameter.Name && !ToolProtocol.IsOutput(p));
            if (property is null)
            {
                Console.Error.WriteLine($"PipelineImage.Tool: the task {request.Task} has no parameter {parameter.Name}.");
                return 2;
            }

            property.SetValue(task, ToolProtocol.FromParameter(parameter, property.PropertyType, item => new RequestItem(item)));
        }

        task.BuildEngine = new ConsoleBuildEngine(output, request);
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            task.Cancel();
        };
        if (stdinCancels)
        {
            new Thread(() => WatchStandardInput(task)) { IsBackground = true, Name = "cancel on standard input" }.Start();
        }

        var succeeded = task.Execute();
        ToolProtocol.WriteResponse(responsePath, parameters.Where(ToolProtocol.IsOutput).Select(p => ToolProtocol.ToParameter(p.Name, p.GetValue(task))));
        return succeeded ? 0 : 1;
    }

    private static PipelineImageTask? Create(string name) => name switch
    {
        nameof(GeneratePipelineDockerfile) => new GeneratePipelineDockerfile(),
        nameof(BuildPipelineImage) => new BuildPipelineImage(),
        nameof(PushPipelineImage) => new PushPipelineImage(),
        nameof(SavePipelineImage) => new SavePipelineImage(),
        nameof(DescribePipelineImage) => new DescribePipelineImage(),
        nameof(WritePipelineDefinitions) => new WritePipelineDefinitions(),
        _ => null,
    };

    // The ToolTask writes "cancel" when MSBuild cancels; the end of the stream means that MSBuild is gone.
    private static void WatchStandardInput(PipelineImageTask task)
    {
        string? line;
        while ((line = Console.In.ReadLine()) is not null && line.Trim() != ToolProtocol.CancelLine)
        {
        }

        task.Cancel();
    }

    private static bool TryParse(string[] args, out string request, out string response, out bool stdinCancels)
    {
        request = response = "";
        stdinCancels = false;
        if (args.Length == 0 || args[0] != "run")
        {
            return false;
        }

        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--request" when i + 1 < args.Length:
                    request = args[++i];
                    break;
                case "--response" when i + 1 < args.Length:
                    response = args[++i];
                    break;
                case "--stdin-cancels":
                    stdinCancels = true;
                    break;
                default:
                    return false;
            }
        }

        return request.Length > 0 && response.Length > 0;
    }
}
