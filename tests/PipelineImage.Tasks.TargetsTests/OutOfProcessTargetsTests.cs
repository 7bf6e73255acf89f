namespace PipelineImage.TargetsTests;

/// <summary>
/// PipelineImageOutOfProcess=true: the ToolTasks of tasks/net472/ run the tasks in the tool, and what comes out is
/// what the in-process tasks give, to the byte and to the error's code, file and position.
/// </summary>
[Collection(TargetsProject.Collection)]
public sealed class OutOfProcessTargetsTests
{
    private static readonly Dictionary<string, string> OutOfProcess = new()
    {
        ["PipelineImageOutOfProcess"] = "true",
        ["DOTNET_HOST_PATH"] = TargetsProject.DotNetHost,
    };

    [Fact]
    public void TheToolWritesTheSameDockerfilePlanAndContextAsTheInProcessTask()
    {
        const string settings = """
            <PipelineImageSkipBuild>true</PipelineImageSkipBuild>
            <PipelineImageTags>1.0;stable</PipelineImageTags>
            """;
        const string items = """
            <PipelineRequirement Include="jq" />
            <PipelineImageEnvironmentVariable Include="STEP" Value="train" />
            <PipelineImageLabel Include="team" Value="ml" />
            """;
        using var inProcess = new TargetsProject(settings, items);
        using var outOfProcess = new TargetsProject(settings, items);

        var expected = inProcess.Build("Publish");
        var actual = outOfProcess.Build("Publish", OutOfProcess);

        Assert.True(expected.Succeeded, expected.ToString());
        Assert.True(actual.Succeeded, actual.ToString());
        Assert.Contains(actual.Messages, m => m.Contains("PipelineImage.Tool.dll run --request", StringComparison.Ordinal));
        // At detailed verbosity, the plan, in and out of process alike.
        var plan = Assert.Single(expected.Messages, m => m.StartsWith("The plan: app:1.0, app:stable; base mcr.microsoft.com/dotnet/runtime:10.0; options ", StringComparison.Ordinal));
        Assert.Contains("\nENTRYPOINT [\"dotnet\", \"/app/App.dll\"]", plan, StringComparison.Ordinal);
        Assert.Contains(plan, actual.Messages);
        Assert.DoesNotContain(expected.Messages, m => m.Contains("PipelineImage.Tool.dll run", StringComparison.Ordinal));
        foreach (var file in new[] { "Dockerfile", "context.txt", "context.tar" })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(inProcess.OutputDirectory, file)), File.ReadAllBytes(Path.Combine(outOfProcess.OutputDirectory, file)));
        }

        // The plan names its project's own paths; with those made alike, it is the same plan.
        Assert.Equal(File.ReadAllText(Path.Combine(inProcess.OutputDirectory, "plan.json")).Replace(inProcess.Directory, "<project>", StringComparison.Ordinal),
            File.ReadAllText(Path.Combine(outOfProcess.OutputDirectory, "plan.json")).Replace(outOfProcess.Directory, "<project>", StringComparison.Ordinal));
        Assert.Equal(expected.Project.GetPropertyValue("PipelineImagePlan").Replace(inProcess.Directory, "", StringComparison.Ordinal),
            actual.Project.GetPropertyValue("PipelineImagePlan").Replace(outOfProcess.Directory, "", StringComparison.Ordinal));
    }

    [Fact]
    public void ErrorsAndWarningsFromTheToolKeepTheirCodeFilePositionTextAndHelpLink()
    {
        const string settings = "<PipelineImageName>Not Valid</PipelineImageName><PipelineImagePull>sometimes</PipelineImagePull>";
        using var inProcess = new TargetsProject(settings);
        using var outOfProcess = new TargetsProject(settings);
        using var warnedIn = new TargetsProject("<PipelineImageSkipBuild>true</PipelineImageSkipBuild><PipelineImagePush>true</PipelineImagePush>");
        using var warnedOut = new TargetsProject("<PipelineImageSkipBuild>true</PipelineImageSkipBuild><PipelineImagePush>true</PipelineImagePush>");

        var expected = inProcess.Build("Publish");
        var actual = outOfProcess.Build("Publish", OutOfProcess);
        var expectedWarning = Assert.Single(warnedIn.Build("Publish").Warnings);
        var actualWarning = Assert.Single(warnedOut.Build("Publish", OutOfProcess).Warnings);

        Assert.False(actual.Succeeded);
        Assert.Equal(["PIMG2020", "PIMG2002"], actual.Errors.Select(e => e.Code));
        Assert.Equal(expected.Errors.Select(e => (e.Code, e.File, e.LineNumber, e.ColumnNumber, e.Message)),
            actual.Errors.Select(e => (e.Code, e.File, e.LineNumber, e.ColumnNumber, e.Message)));
        Assert.Equal(expected.Errors.Select(e => e.HelpLink), actual.Errors.Select(e => e.HelpLink));
        Assert.Equal(new Uri(TargetsProject.Guide).AbsoluteUri + "#pimg2020", actual.Errors[0].HelpLink);
        Assert.Equal(new Uri(TargetsProject.Guide).AbsoluteUri + "#pimg2029", actualWarning.HelpLink);
        Assert.Equal((expectedWarning.Code, expectedWarning.File, expectedWarning.LineNumber, expectedWarning.Message),
            (actualWarning.Code, actualWarning.File, actualWarning.LineNumber, actualWarning.Message));
        Assert.EndsWith("PipelineImage.Tasks.targets", actual.Errors[0].File, StringComparison.Ordinal);
        Assert.NotEqual(0, actual.Errors[0].LineNumber);
    }

    [Fact]
    public void NoDotnetHostIsPimg0003BeforeAnyTaskRuns()
    {
        using var project = new TargetsProject();

        var outcome = project.Build("Publish", new Dictionary<string, string>
        {
            ["PipelineImageOutOfProcess"] = "true",
            ["DOTNET_HOST_PATH"] = "/nonexistent/dotnet",
            ["NetCoreRoot"] = "",
        });

        Assert.False(outcome.Succeeded);
        var error = Assert.Single(outcome.Errors);
        Assert.Equal("PIMG0003", error.Code);
        Assert.Contains("DOTNET_HOST_PATH is '/nonexistent/dotnet'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(outcome.TargetsRun, target => target == "PipelineImageGenerateDockerfile");
    }

    [Fact]
    public void WithoutDotnetHostPathTheSdksNetCoreRootGivesTheHost()
    {
        using var project = new TargetsProject("<PipelineImageSkipBuild>true</PipelineImageSkipBuild>");

        var outcome = project.Build("Publish", new Dictionary<string, string>
        {
            ["PipelineImageOutOfProcess"] = "true",
            ["DOTNET_HOST_PATH"] = "",
            ["NetCoreRoot"] = Path.GetDirectoryName(TargetsProject.DotNetHost)!,
        });

        Assert.True(outcome.Succeeded, outcome.ToString());
        Assert.Contains(outcome.Messages, m => m.StartsWith(TargetsProject.DotNetHost + " exec ", StringComparison.Ordinal));
    }

    [Fact]
    public void AnEngineThatDoesNotAnswerIsPimg1001FromTheToolToo()
    {
        using var project = new TargetsProject();

        var outcome = project.Build("Publish", OutOfProcess);

        Assert.False(outcome.Succeeded);
        Assert.Equal("PIMG1001", Assert.Single(outcome.Errors).Code);
        Assert.DoesNotContain(outcome.Errors, e => e.Code.StartsWith("MSB", StringComparison.Ordinal));
    }
}
