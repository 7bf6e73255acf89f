using PipelineImage.Engine;
using PipelineImage.Intermediate;
using PipelineImage.Sbom;

namespace PipelineImage.Tests.Sbom;

/// <summary>An index's bills: one per platform, each with that platform's packages (<see cref="IndexBills"/>).</summary>
public sealed class IndexBillsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pimg-bills-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task EachPlatformsBillListsTheNuGetPackagesOfItsOwnPublish()
    {
        var record = new ImageRecord("localhost:5000/app", ["1.0.0"], "sha256:index");
        var runtimes = new Dictionary<string, Package>
        {
            ["linux/amd64"] = new("nuget", "runtime.linux-x64.Microsoft.DotNet.ILCompiler", "10.0.12", "pkg:nuget/runtime.linux-x64.Microsoft.DotNet.ILCompiler@10.0.12"),
            ["linux/arm64"] = new("nuget", "runtime.linux-arm64.Microsoft.DotNet.ILCompiler", "10.0.12", "pkg:nuget/runtime.linux-arm64.Microsoft.DotNet.ILCompiler@10.0.12"),
        };

        var paths = await IndexBills.WriteAsync([("linux/amd64", "sha256:a"), ("linux/arm64", "sha256:b")], (_, _) => Task.FromResult<IReadOnlyList<ImageFile>>([]),
            record, Path.Combine(_root, "sbom.cdx.json"), platform => [runtimes[platform]], _ => { }, CancellationToken.None);

        var amd64 = await File.ReadAllTextAsync(paths["linux/amd64"]);
        var arm64 = await File.ReadAllTextAsync(paths["linux/arm64"]);
        Assert.Contains("runtime.linux-x64.", amd64, StringComparison.Ordinal);
        Assert.DoesNotContain("runtime.linux-arm64.", amd64, StringComparison.Ordinal);
        Assert.Contains("runtime.linux-arm64.", arm64, StringComparison.Ordinal);
        Assert.DoesNotContain("runtime.linux-x64.", arm64, StringComparison.Ordinal);
    }
}
