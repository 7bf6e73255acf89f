using PipelineImage.IntegrationTests.Infrastructure;

namespace PipelineImage.IntegrationTests;

/// <summary>PipelineImageBuilder=buildkit on this machine's dockerd: POST /build?version=2 and its protobuf progress.</summary>
[Collection(EngineCollection.Name)]
public sealed class BuildKitTests(PackageFeed feed)
{
    [EngineFact]
    public async Task BuildKitBuildsARunnableImageLogsItsStepsAsTheClassicBuilderDoesAndSkipsAnUnchangedPublish()
    {
        await using var project = new TestProject(feed, properties: "<PipelineImageBuilder>buildkit</PipelineImageBuilder>");

        var publish = await project.PublishAsync("-v:n");

        Assert.True(publish.ExitCode == 0, publish.ToString());
        Assert.Contains("Builder: buildkit (PipelineImageBuilder=buildkit)", publish.Output);
        Assert.Matches(@"Step [0-9]+/[0-9]+ : COPY", publish.Output);
        var run = await Docker.RunImageAsync($"{project.ImageName}:latest", "-e", "PIPELINE_STEP=bk");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("step ran as app: bk", run.Output.Trim());

        var again = await project.PublishAsync("-v:n");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains(" is up to date: the engine has ", again.Output);
    }

    [EngineFact]
    public async Task AFailedRunStepIsOnePimg1003WithTheStepAndItsOutput()
    {
        await using var project = new TestProject(feed,
            properties: "<PipelineImageBuilder>buildkit</PipelineImageBuilder><PipelineImageNetwork>host</PipelineImageNetwork>",
            items: """<PipelineRequirement Include="pimg-no-such-package" />""");

        var publish = await project.PublishAsync();

        Assert.NotEqual(0, publish.ExitCode);
        var errors = publish.Output.Split('\n').Where(line => line.Contains("error PIMG1003: ", StringComparison.Ordinal)).Distinct().ToList();
        var error = Assert.Single(errors);
        Assert.True(error.Contains("failed at Step ", StringComparison.Ordinal) && error.Contains("RUN", StringComparison.Ordinal)
            && error.Contains("pimg-no-such-package", StringComparison.Ordinal), error);
        Assert.DoesNotContain("\u001b", publish.Output, StringComparison.Ordinal);
    }
}
