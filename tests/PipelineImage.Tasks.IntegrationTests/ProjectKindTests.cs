using PipelineImage.IntegrationTests.Infrastructure;

namespace PipelineImage.IntegrationTests;

/// <summary>Which projects get an image, and under which tags: apps only, and each framework of a multi-targeted app its own.</summary>
[Collection(EngineCollection.Name)]
public sealed class ProjectKindTests(PackageFeed feed)
{
    [EngineFact]
    public async Task AClassLibraryOrATestProjectIsSkippedWithAMessage()
    {
        await using var library = new TestProject(feed, properties: "<OutputType>Library</OutputType>", program: "public static class Library { }");
        await using var tests = new TestProject(feed, properties: "<IsTestProject>true</IsTestProject>");

        var libraryPublish = await library.PublishAsync("-v:n");
        var testsPublish = await tests.PublishAsync("-v:n");

        Assert.True(libraryPublish.ExitCode == 0, libraryPublish.ToString());
        Assert.Contains("PipelineImage: no image for App: it is a class library (OutputType=Library), not an app.", libraryPublish.Output);
        Assert.Null(await Docker.InspectImageAsync($"{library.ImageName}:latest"));
        Assert.True(testsPublish.ExitCode == 0, testsPublish.ToString());
        Assert.Contains("PipelineImage: no image for App: it is a test project (IsTestProject=true), not an app.", testsPublish.Output);
        Assert.Null(await Docker.InspectImageAsync($"{tests.ImageName}:latest"));
    }

    [EngineFact]
    public async Task PipelineImageEnabledTrueOnALibraryIsPimg0002()
    {
        await using var library = new TestProject(feed, properties: "<OutputType>Library</OutputType><PipelineImageEnabled>true</PipelineImageEnabled>",
            program: "public static class Library { }");

        var publish = await library.PublishAsync();

        Assert.NotEqual(0, publish.ExitCode);
        Assert.Contains("error PIMG0002: PipelineImageEnabled=true, but App is a class library (OutputType=Library), not an app", publish.Output);
    }

    [EngineFact]
    public async Task EachFrameworkOfAMultiTargetedAppGetsTagsOfItsOwn()
    {
        await using var project = new TestProject(feed,
            properties: """
                <TargetFramework></TargetFramework>
                <TargetFrameworks>net8.0;net10.0</TargetFrameworks>
                <RollForward>Major</RollForward>
                <Version>2.1.0</Version>
                <PipelineImageBase>mcr.microsoft.com/dotnet/runtime:10.0</PipelineImageBase>
                """,
            program: """Console.WriteLine($"built for {AppContext.TargetFrameworkName}");""");

        var net8 = await project.PublishAsync("-f", "net8.0");
        var net10 = await project.PublishAsync("-f", "net10.0");

        Assert.True(net8.ExitCode == 0, net8.ToString());
        Assert.True(net10.ExitCode == 0, net10.ToString());
        Assert.Contains($"App -> {project.ImageName}:2.1.0-net8.0, {project.ImageName}:net8.0", net8.Output);
        Assert.Contains($"App -> {project.ImageName}:2.1.0-net10.0, {project.ImageName}:net10.0", net10.Output);
        var run8 = await Docker.RunImageAsync($"{project.ImageName}:net8.0");
        var run10 = await Docker.RunImageAsync($"{project.ImageName}:2.1.0-net10.0");
        Assert.Equal("built for .NETCoreApp,Version=v8.0", run8.Output.Trim());
        Assert.Equal("built for .NETCoreApp,Version=v10.0", run10.Output.Trim());
        Assert.Null(await Docker.InspectImageAsync($"{project.ImageName}:latest"));
    }
}
