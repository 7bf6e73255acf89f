namespace PipelineImage.TargetsTests;

/// <summary>What the targets do without an engine, in-process and in milliseconds rather than end-to-end publishes.</summary>
[Collection(TargetsProject.Collection)]
public sealed class TargetsTests
{
    [Fact]
    public void ADesignTimeBuildRunsNoImageTargetAndSucceeds()
    {
        using var project = new TargetsProject();

        var outcome = project.Build("Publish", new Dictionary<string, string> { ["DesignTimeBuild"] = "true" });

        Assert.True(outcome.Succeeded, outcome.ToString());
        Assert.DoesNotContain(outcome.TargetsRun, target => target.Contains("PipelineImage", StringComparison.Ordinal));
        Assert.False(Directory.Exists(project.OutputDirectory));
    }

    [Fact]
    public void PipelineImageEnabledFalseRunsNoImageTarget()
    {
        using var project = new TargetsProject();

        var outcome = project.Build("Publish", new Dictionary<string, string> { ["PipelineImageEnabled"] = "false" });

        Assert.True(outcome.Succeeded, outcome.ToString());
        Assert.DoesNotContain(outcome.TargetsRun, target => target.Contains("PipelineImage", StringComparison.Ordinal));
    }

    [Fact]
    public void AClassLibraryIsSkippedWithAMessageAndAnExplicitTrueIsPimg0002()
    {
        using var library = new TargetsProject("<OutputType>Library</OutputType>");

        var skipped = library.Build("Publish");
        var forced = library.Build("Publish", new Dictionary<string, string> { ["PipelineImageEnabled"] = "true" });

        Assert.True(skipped.Succeeded, skipped.ToString());
        Assert.Contains(skipped.Messages, m => m.StartsWith("PipelineImage: no image for App: it is a class library (OutputType=Library)", StringComparison.Ordinal));
        Assert.False(forced.Succeeded);
        Assert.Equal("PIMG0002", Assert.Single(forced.Errors).Code);
    }

    [Fact]
    public void InvalidSettingsAreReportedTogetherBeforeAnyEngineIsAsked()
    {
        using var project = new TargetsProject("<PipelineImageName>Not Valid</PipelineImageName><PipelineImagePull>sometimes</PipelineImagePull>");

        var outcome = project.Build("Publish");

        Assert.False(outcome.Succeeded);
        Assert.Equal(["PIMG2020", "PIMG2002"], outcome.Errors.Select(e => e.Code));
        Assert.DoesNotContain(outcome.TargetsRun, target => target == "PipelineImageBuild");
    }

    [Fact]
    public void SkipBuildWritesTheDockerfileThePlanAndTheContextTarWithoutAnEngineAndCleanRemovesThem()
    {
        using var project = new TargetsProject("<PipelineImageSkipBuild>true</PipelineImageSkipBuild>");

        var publish = project.Build("Publish");

        Assert.True(publish.Succeeded, publish.ToString());
        Assert.Empty(publish.Warnings);
        Assert.Equal(["Dockerfile", "context.tar", "context.txt", "hashes.tsv", "plan.json"],
            Directory.GetFiles(project.OutputDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Contains("\"name\": \"app\"", File.ReadAllText(Path.Combine(project.OutputDirectory, "plan.json")));
        Assert.Contains(publish.Messages, m => m.StartsWith("PipelineImageSkipBuild: no image built. To build it: docker build", StringComparison.Ordinal));

        var clean = project.Build("Clean");

        Assert.True(clean.Succeeded, clean.ToString());
        Assert.False(Directory.Exists(project.OutputDirectory));
    }

    [Fact]
    public void PushWithSkipBuildIsAWarningThatItHasNoEffect()
    {
        using var project = new TargetsProject("<PipelineImageSkipBuild>true</PipelineImageSkipBuild><PipelineImagePush>true</PipelineImagePush>");

        var outcome = project.Build("Publish");

        Assert.True(outcome.Succeeded, outcome.ToString());
        Assert.Equal("PIMG2029", Assert.Single(outcome.Warnings).Code);
        Assert.DoesNotContain(outcome.TargetsRun, target => target == "PushPipelineImage");
    }

    [Fact]
    public void AnEngineThatDoesNotAnswerIsPimg1001NotMsb4018()
    {
        using var project = new TargetsProject();

        var outcome = project.Build("Publish");

        Assert.False(outcome.Succeeded);
        Assert.Equal("PIMG1001", Assert.Single(outcome.Errors).Code);
        Assert.True(File.Exists(Path.Combine(project.OutputDirectory, "plan.json")));
    }
}
