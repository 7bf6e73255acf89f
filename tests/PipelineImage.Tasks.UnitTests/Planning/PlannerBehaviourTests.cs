using PipelineImage.Diagnostics;
using PipelineImage.Planning;

namespace PipelineImage.Tests.Planning;

/// <summary>Every problem at once, ASP.NET Core's port, and tags that keep the frameworks of a multi-targeted project apart.</summary>
public sealed class PlannerBehaviourTests
{
    [Fact]
    public void EveryInvalidSettingIsReportedTogetherEachWithItsCode()
    {
        var settings = new ImageSettings
        {
            Name = "Bad Name",
            User = "bad user",
            EnvironmentVariables = [KeyValuePair.Create("1BAD", "x"), KeyValuePair.Create("ALSO-BAD", "y")],
            Ports = [KeyValuePair.Create("99999", "")],
        };

        var problems = Assert.Throws<PipelineImageProblemsException>(() => PlannerTestData.Plan(PlannerTestData.App(), settings));

        Assert.Equal(
            [DiagnosticCodes.InvalidImageName, DiagnosticCodes.InvalidUser, DiagnosticCodes.InvalidEnvironmentVariable,
             DiagnosticCodes.InvalidEnvironmentVariable, DiagnosticCodes.InvalidPort],
            problems.Problems.Select(problem => problem.ResourceName));
    }

    [Fact]
    public void AnAspNetCoreAppExposesThePortOfMicrosoftsImages()
    {
        var plan = PlannerTestData.Plan(PlannerTestData.App() with { UsesAspNetCore = true }, new ImageSettings());

        Assert.Contains("FROM mcr.microsoft.com/dotnet/aspnet:10.0\n", plan.Dockerfile);
        Assert.Contains("\nEXPOSE 8080/tcp\n", plan.Dockerfile);
    }

    [Fact]
    public void AnAspNetCoreAppExposesThePortsItsEnvironmentNames()
    {
        var settings = new ImageSettings
        {
            EnvironmentVariables = [KeyValuePair.Create("ASPNETCORE_HTTP_PORTS", "5000;5001"), KeyValuePair.Create("ASPNETCORE_URLS", "https://+:7443/")],
        };

        var plan = PlannerTestData.Plan(PlannerTestData.App() with { UsesAspNetCore = true }, settings);

        Assert.Contains("\nEXPOSE 5000/tcp 5001/tcp 7443/tcp\n", plan.Dockerfile);
    }

    [Fact]
    public void PortItemsReplaceTheInferredPort()
    {
        var plan = PlannerTestData.Plan(PlannerTestData.App() with { UsesAspNetCore = true }, new ImageSettings { Ports = [KeyValuePair.Create("9000", "")] });

        Assert.Contains("\nEXPOSE 9000/tcp\n", plan.Dockerfile);
        Assert.DoesNotContain("8080", plan.Dockerfile);
    }

    [Theory]
    [InlineData("mycorp/aspnet-base:1", "v10.0")]
    [InlineData("", "v7.0")]
    public void NoPortIsGuessedForOtherBasesOrOlderFrameworks(string baseImage, string framework)
    {
        var app = PlannerTestData.App() with { UsesAspNetCore = true, TargetFrameworkVersion = framework };

        var plan = PlannerTestData.Plan(app, new ImageSettings { BaseImage = baseImage });

        Assert.DoesNotContain("EXPOSE", plan.Dockerfile);
    }

    [Fact]
    public void AnAppThatIsNoWebAppExposesNothing() =>
        Assert.DoesNotContain("EXPOSE", PlannerTestData.Plan(PlannerTestData.App(), new ImageSettings()).Dockerfile);

    [Theory]
    [InlineData("1.2.3", "net8.0", "hellopipeline:1.2.3-net8.0", "hellopipeline:net8.0")]
    [InlineData("", "net10.0", "hellopipeline:net10.0", null)]
    public void OneFrameworkOfAMultiTargetedProjectGetsTagsOfItsOwn(string version, string framework, string first, string? second)
    {
        var plan = PlannerTestData.Plan(PlannerTestData.App(), new ImageSettings { Version = version, FrameworkVariant = framework });

        Assert.Equal(second is null ? [first] : [first, second], plan.References.Select(reference => reference.ToString()));
    }

    [Fact]
    public void TagsTheProjectGivesAreKeptForAMultiTargetedProject()
    {
        var plan = PlannerTestData.Plan(PlannerTestData.App(), new ImageSettings { Tags = ["stable"], FrameworkVariant = "net8.0" });

        Assert.Equal(["hellopipeline:stable"], plan.References.Select(reference => reference.ToString()));
    }
}
