using PipelineImage.Planning;

namespace PipelineImage.Tests.Planning;

/// <summary>What a publish directory puts into the image (<see cref="PublishOutput"/>).</summary>
public sealed class PublishOutputTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pimg-publish-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void NativeAotSymbolsStayOutAndEverythingElseIsIn()
    {
        foreach (var file in new[] { "App", "App.dbg", "App.pdb", "lib/other.dbg" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(_directory, file))!);
            File.WriteAllText(Path.Combine(_directory, file), file);
        }

        var aot = PublishOutput.Read(_directory, new HashSet<string>(StringComparer.Ordinal), "App.dll", nativeAot: true);
        var other = PublishOutput.Read(_directory, new HashSet<string>(StringComparer.Ordinal), "App.dll", nativeAot: false);

        Assert.Equal(["App", "App.pdb", "lib/other.dbg"], aot.Select(file => file.RelativePath));
        Assert.Equal(["App", "App.dbg", "App.pdb", "lib/other.dbg"], other.Select(file => file.RelativePath));
    }
}
