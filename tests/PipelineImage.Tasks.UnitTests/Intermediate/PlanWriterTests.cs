using PipelineImage.Diagnostics;
using PipelineImage.Intermediate;
using PipelineImage.Planning;

namespace PipelineImage.Tests.Intermediate;

/// <summary>The plan written from a typed request, with no MSBuild: what it writes, and every problem of a publish at once.</summary>
public sealed class PlanWriterTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pimg-planwriter-").FullName;
    private readonly List<string> _lines = [];
    private readonly List<string> _warnings = [];

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task APlanIsWrittenOnceAndAnUnchangedRequestRewritesNothing()
    {
        var first = await Writer(Request()).WriteAsync(CancellationToken.None);

        Assert.Equal((Path.Combine(_root, "obj", "Dockerfile"), Path.Combine(_root, "obj", "plan.json")), (first.DockerfilePath, first.PlanPath));
        Assert.Contains("FROM mcr.microsoft.com/dotnet/runtime:10.0\n", File.ReadAllText(first.DockerfilePath));
        Assert.Contains(_lines, line => line.StartsWith($"Wrote {first.PlanPath}: ", StringComparison.Ordinal));

        _lines.Clear();
        await Writer(Request()).WriteAsync(CancellationToken.None);

        Assert.Contains($"{first.DockerfilePath} is up to date", _lines);
        Assert.Contains(_lines, line => line.StartsWith($"Up to date: {first.PlanPath}: ", StringComparison.Ordinal));
        Assert.Empty(_warnings);
    }

    [Fact]
    public async Task EveryInvalidSettingIsReportedTogetherAndNothingIsWritten()
    {
        var request = Request() with
        {
            Network = "bridge network",
            Builder = "kaniko",
            RequirementSettings = new() { PipNetrcSecret = "netrc" },
        };

        var problems = await Assert.ThrowsAsync<PipelineImageProblemsException>(() => Writer(request).WriteAsync(CancellationToken.None));

        Assert.Equal(3, problems.Problems.Count);
        Assert.Contains(problems.Problems, problem => problem.Message.Contains("PipelineImagePipNetrcSecret", StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(_root, "obj")) && Directory.EnumerateFiles(Path.Combine(_root, "obj")).Any());
    }

    [Fact]
    public async Task AnInvalidPlatformIsOneErrorThoughTheParentPlanUsesItToo()
    {
        var problem = await Assert.ThrowsAsync<PipelineImageException>(() => Writer(Request() with { Platform = "not/a/plat/form" }).WriteAsync(CancellationToken.None));

        Assert.Equal(DiagnosticCodes.InvalidPlatform, problem.ResourceName);
    }

    [Fact]
    public async Task ASettingWithoutEffectIsAWarningByItsResourceName()
    {
        await Writer(Request() with { ParentContext = "..", SkipBuild = true, Push = true }).WriteAsync(CancellationToken.None);

        Assert.Equal(
            [$"{DiagnosticCodes.SettingWithoutEffect}: PipelineImageParentContext", $"{DiagnosticCodes.SettingWithoutEffect}: PipelineImagePush"],
            _warnings);
        Assert.True(File.Exists(Path.Combine(_root, "obj", "context.tar")));
    }

    private PlanWriter Writer(PlanRequest request) => new(request, new PlanLog(_lines.Add, _lines.Add, _lines.Add,
        (resource, arguments) => _warnings.Add($"{resource}: {arguments[0]}")));

    private PlanRequest Request()
    {
        var publish = Path.Combine(_root, "publish");
        Directory.CreateDirectory(publish);
        File.WriteAllText(Path.Combine(publish, "HelloPipeline.dll"), "app");
        return new PlanRequest
        {
            App = new PublishedApp
            {
                AssemblyName = "HelloPipeline",
                ProjectFileName = "HelloPipeline.csproj",
                TargetFileName = "HelloPipeline.dll",
                TargetFrameworkIdentifier = ".NETCoreApp",
                TargetFrameworkVersion = "v10.0",
                Files = PublishOutput.Read(publish, new HashSet<string>(StringComparer.Ordinal)),
            },
            Settings = new ImageSettings { Version = "2.0.0" },
            OutputDirectory = Path.Combine(_root, "obj"),
            ProjectDirectory = _root,
            Environment = _ => null,
        };
    }
}
