using PipelineImage.IntegrationTests.Infrastructure;

namespace PipelineImage.IntegrationTests;

/// <summary>
/// A solution of two pipeline steps and the class library they share, published with <c>dotnet publish -m</c>:
/// MSBuild builds the steps on separate nodes, their images against the one engine at the same time, and each image
/// holds the library. In process and through the tool.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class ParallelSolutionTests(PackageFeed feed)
{
    [EngineTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EveryStepOfASolutionGetsItsImageWithTheSharedLibrary(bool outOfProcess)
    {
        // Each step's image stands on a parent whose one RUN step takes seconds: the two can be seen to overlap.
        var mode = (outOfProcess ? "<PipelineImageOutOfProcess>true</PipelineImageOutOfProcess>" : "")
                   + "<PipelineImageParentDockerfile>parent/Parent.Dockerfile</PipelineImageParentDockerfile><PipelineImageNetwork>none</PipelineImageNetwork>";
        await using var first = new TestProject(feed,
            properties: mode + "<DefaultItemExcludes>$(DefaultItemExcludes);shared/**;second/**;parent/**</DefaultItemExcludes>",
            items: """<ProjectReference Include="shared/Shared.csproj" />""",
            program: """Console.WriteLine($"first: {Shared.Greeting.Text}");""");
        var second = first.ImageName + "-second";
        var shared = Directory.CreateDirectory(Path.Combine(first.Directory, "shared")).FullName;
        await File.WriteAllTextAsync(Path.Combine(shared, "Shared.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(shared, "Greeting.cs"), """namespace Shared; public static class Greeting { public const string Text = "from the shared library"; }""");
        var secondDirectory = Directory.CreateDirectory(Path.Combine(first.Directory, "second")).FullName;
        await File.WriteAllTextAsync(Path.Combine(secondDirectory, "Second.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <PipelineImageName>{second}</PipelineImageName>
                {mode}
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="PipelineImage.Tasks" Version="{feed.Version}" PrivateAssets="all" />
                <ProjectReference Include="../shared/Shared.csproj" />
              </ItemGroup>
            </Project>
            """);
        foreach (var (directory, step) in new[] { (first.Directory, "first"), (secondDirectory, "second") })
        {
            var parent = Directory.CreateDirectory(Path.Combine(directory, "parent")).FullName;
            await File.WriteAllTextAsync(Path.Combine(parent, "Parent.Dockerfile"),
                $"FROM mcr.microsoft.com/dotnet/runtime:10.0\nRUN echo pimg-$((1))-{step}-started {Guid.NewGuid():N} && sleep 10 && echo pimg-$((1))-{step}-done\n");
        }

        await File.WriteAllTextAsync(Path.Combine(secondDirectory, "Program.cs"), """Console.WriteLine($"second: {Shared.Greeting.Text}");""");
        var environment = new Dictionary<string, string?> { ["NUGET_PACKAGES"] = feed.PackagesDirectory, ["DOCKER_HOST"] = EngineUnderTest.Default.Socket };
        foreach (var command in new[] { ["new", "sln", "--name", "Pipeline", "--format", "sln"], new[] { "sln", "Pipeline.sln", "add", "App.csproj", "second/Second.csproj", "shared/Shared.csproj" } })
        {
            var step = await ProcessRunner.RunAsync("dotnet", command, first.Directory, environment);
            Assert.True(step.ExitCode == 0, step.ToString());
        }

        try
        {
            var publish = await ProcessRunner.RunAsync("dotnet", ["publish", "Pipeline.sln", "-c", "Release", "-m:2", "-nodeReuse:false", "-v:n"], first.Directory, environment);

            Assert.True(publish.ExitCode == 0, publish.ToString());
            var firstStep = Interval(publish.Output, "first");
            var secondStep = Interval(publish.Output, "second");
            Assert.True(firstStep.Start < secondStep.End && secondStep.Start < firstStep.End, $"the builds did not overlap: {firstStep} and {secondStep}\n{publish}");
            Assert.Equal("first: from the shared library", (await Docker.RunImageAsync($"{first.ImageName}:latest")).Output.Trim());
            Assert.Equal("second: from the shared library", (await Docker.RunImageAsync($"{second}:latest")).Output.Trim());
        }
        finally
        {
            await Docker.RemoveRepositoryAsync(second);
            await Docker.RemoveRepositoryAsync(second + "-parent");
        }
    }

    // Where in the output (which the console logger writes as the events come) the step's RUN printed its start and its end.
    private static (int Start, int End) Interval(string output, string step)
    {
        int At(string marker)
        {
            var at = output.IndexOf(marker, StringComparison.Ordinal);
            Assert.True(at >= 0, $"no {marker} in\n{output}");
            return at;
        }

        return (At($"pimg-1-{step}-started"), At($"pimg-1-{step}-done"));
    }
}
