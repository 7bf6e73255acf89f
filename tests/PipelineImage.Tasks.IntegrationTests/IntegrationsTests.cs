using PipelineImage.IntegrationTests.Infrastructure;

namespace PipelineImage.IntegrationTests;

/// <summary>
/// The integrations catalog end to end: an app using SkiaSharp's Linux native assets runs in its image only because
/// the catalog's entry installed the OS library that libSkiaSharp.so links against.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class IntegrationsTests(PackageFeed feed)
{
    private const string SkiaSharpVersion = "4.155.0";

    [EngineFact]
    public async Task SkiaSharpWorksInTheImageOnlyBecauseItsIntegrationAddedFontconfig()
    {
        await using var project = new TestProject(feed,
            properties: "<PipelineImageNetwork>host</PipelineImageNetwork>",
            items: $"""
                <PackageReference Include="SkiaSharp" Version="{SkiaSharpVersion}" />
                <PackageReference Include="SkiaSharp.NativeAssets.Linux" Version="{SkiaSharpVersion}" />
                """,
            program: """
                using var bitmap = new SkiaSharp.SKBitmap(4, 3);
                Console.WriteLine($"skia drew {bitmap.Width}x{bitmap.Height}");
                """);

        var without = await project.PublishAsync("-p:PipelineImageIntegrationsEnabled=false");

        Assert.True(without.ExitCode == 0, without.ToString());
        var broken = await Docker.RunImageAsync($"{project.ImageName}:latest");
        Assert.NotEqual(0, broken.ExitCode);
        Assert.Contains("libfontconfig.so.1", broken.ToString());

        var with = await project.PublishAsync("-v:n");

        Assert.True(with.ExitCode == 0, with.ToString());
        Assert.Contains($"PipelineImage integration SkiaSharp.NativeAssets.Linux {SkiaSharpVersion}: adds libfontconfig1 (libSkiaSharp.so links libfontconfig.so.1)", with.Output);
        Assert.Contains("'libfontconfig1'", await File.ReadAllTextAsync(Path.Combine(project.OutputDirectory, "Dockerfile")));
        var run = await Docker.RunImageAsync($"{project.ImageName}:latest");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("skia drew 4x3", run.Output.Trim());
    }
}
