using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using PipelineImage.OutOfProcess;
using PipelineImage.Tasks;
using PipelineImage.Tool;

namespace PipelineImage.Tests.OutOfProcess;

/// <summary>What the ToolTasks and the tool say to each other: files, lines and the parameters they carry.</summary>
public sealed class ToolProtocolTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pimg-protocol-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void AnErrorIsOneCanonicalLineThatParsesBackToItsCodeFileAndPosition()
    {
        var line = ToolProtocol.FormatDiagnostic("error", "PIMG1003", "/p/build/PipelineImage.Tasks.targets", 140, 5, "Step 2/3 failed:\nE: no such package");

        Assert.Equal("/p/build/PipelineImage.Tasks.targets(140,5): error PIMG1003: Step 2/3 failed: E: no such package", line);
        Assert.True(ToolProtocol.TryParseDiagnostic(line, out var diagnostic));
        Assert.Equal(new ToolDiagnostic("error", "PIMG1003", "/p/build/PipelineImage.Tasks.targets", 140, 5, "Step 2/3 failed: E: no such package"), diagnostic);
    }

    [Fact]
    public void AWarningWithoutAFileIsOursAndHasNoPosition()
    {
        var line = ToolProtocol.FormatDiagnostic("warning", "PIMG2029", null, 0, 0, "no effect");

        Assert.Equal("PipelineImage: warning PIMG2029: no effect", line);
        Assert.True(ToolProtocol.TryParseDiagnostic(line, out var diagnostic));
        Assert.Equal(("warning", "PIMG2029", "PipelineImage", 0, 0), (diagnostic.Kind, diagnostic.Code, diagnostic.File, diagnostic.Line, diagnostic.Column));
    }

    [Fact]
    public void AMessageIsOneLineWithItsImportanceAndComesBackExact()
    {
        const string message = "/src/x.c(1,2): error C1: from a build step\nsecond \\n line\r\n";
        var line = ToolProtocol.FormatMessage(MessageImportance.Normal, message);

        Assert.Equal("normal: /src/x.c(1,2): error C1: from a build step\\nsecond \\\\n line\\r\\n", line);
        Assert.True(ToolProtocol.TryParseMessage(line, out var importance, out var text));
        Assert.Equal((MessageImportance.Normal, message), (importance, text));
        Assert.True(ToolProtocol.TryParseMessage(ToolProtocol.FormatMessage(MessageImportance.High, "App -> app:1"), out importance, out _));
        Assert.Equal(MessageImportance.High, importance);
        Assert.False(ToolProtocol.TryParseMessage("Unhandled exception. System.Exception", out _, out _));
    }

    [Fact]
    public void ARequestKeepsEveryValueItemAndMetadataExactly()
    {
        var item = new TaskItem("numpy>=1.0 & <2", new Dictionary<string, string> { ["Manager"] = "pip", ["Version"] = "ü \"quoted\" <x>" });
        var path = Path.Combine(_directory, "request.xml");
        ToolProtocol.WriteRequest(path, new ToolRequest("GeneratePipelineDockerfile", "/p/App.csproj", 3, 7,
        [
            ToolProtocol.ToParameter("ImageName", "app"),
            ToolProtocol.ToParameter("Push", true),
            ToolProtocol.ToParameter("ImageTags", new[] { "1.0", "latest" }),
            ToolProtocol.ToParameter("Requirements", new ITaskItem[] { item }),
            ToolProtocol.ToParameter("Description", "  leading and trailing  \n"),
            ToolProtocol.ToParameter("Title", "bell \u0007 and \u0001 control"),
        ]));

        var request = ToolProtocol.ReadRequest(path);

        Assert.Equal(("GeneratePipelineDockerfile", "/p/App.csproj", 3, 7), (request.Task, request.ProjectFile, request.Line, request.Column));
        Assert.Equal("app", ToolProtocol.FromParameter(request.Parameters[0], typeof(string), _ => null!));
        Assert.Equal(true, ToolProtocol.FromParameter(request.Parameters[1], typeof(bool), _ => null!));
        Assert.Equal(new[] { "1.0", "latest" }, ToolProtocol.FromParameter(request.Parameters[2], typeof(string[]), _ => null!));
        var items = (ITaskItem[])ToolProtocol.FromParameter(request.Parameters[3], typeof(ITaskItem[]), sent => new RequestItem(sent));
        var received = Assert.Single(items);
        Assert.Equal("numpy>=1.0 & <2", received.ItemSpec);
        Assert.Equal("ü \"quoted\" <x>", received.GetMetadata("Version"));
        Assert.Equal("pip", received.GetMetadata("manager"));
        Assert.Equal(item.GetMetadata("FullPath"), received.GetMetadata("FullPath"));
        Assert.Equal(["Manager", "Version"], received.CloneCustomMetadata().Keys.Cast<string>().Order(StringComparer.Ordinal));
        Assert.Equal("  leading and trailing  \n", ToolProtocol.FromParameter(request.Parameters[4], typeof(string), _ => null!));
        Assert.Equal("bell \u0007 and \u0001 control", ToolProtocol.FromParameter(request.Parameters[5], typeof(string), _ => null!));
        Assert.False(File.Exists(path + ".partial"));
    }

    [Fact]
    public void TheToolGetsTheTasksParametersButNotTheToolTasksOwn()
    {
        var names = ToolProtocol.ParametersOf(typeof(BuildPipelineImage), typeof(PipelineImageTask)).Select(p => p.Name).ToList();

        Assert.Equal(["BuildKitCertPath", "BuildKitHost", "BuilderNodes", "DockerHost", "ImageId", "ImageRecordPath", "ImageReferences", "PlanPath"], names);
        Assert.Equal(["ImageId", "ImageReferences"], ToolProtocol.ParametersOf(typeof(BuildPipelineImage), typeof(PipelineImageTask))
            .Where(ToolProtocol.IsOutput).Select(p => p.Name));
    }

    [Fact]
    public void ACommandLineOrRequestTheToolCannotReadIsExitCodeTwo()
    {
        Assert.Equal(2, Program.Main(["build"]));
        Assert.Equal(2, Program.Main(["run", "--request", Path.Combine(_directory, "missing.xml"), "--response", Path.Combine(_directory, "response.xml")]));
        File.WriteAllText(Path.Combine(_directory, "bad.xml"), "<request task=\"NoSuchTask\" projectFile=\"p\" line=\"0\" column=\"0\" />");
        Assert.Equal(2, Program.Main(["run", "--request", Path.Combine(_directory, "bad.xml"), "--response", Path.Combine(_directory, "response.xml")]));
    }
}
