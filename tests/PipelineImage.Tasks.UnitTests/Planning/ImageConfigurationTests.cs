using PipelineImage.Diagnostics;
using PipelineImage.Planning;

namespace PipelineImage.Tests.Planning;

public class ImageConfigurationTests
{
    private static readonly ImageSettings Configured = new()
    {
        Version = "2.0.0",
        WorkingDirectory = "/opt/pipeline/",
        User = "1654:1654",
        EnvironmentVariables = [KeyValuePair.Create("STEP", "train"), KeyValuePair.Create("ODD", "a \"b\" $HOME \\x"), KeyValuePair.Create("STEP", "score")],
        Labels = [KeyValuePair.Create("com.example.team", "ml platform"), KeyValuePair.Create("org.opencontainers.image.version", "2.0.0-custom")],
        Ports = [KeyValuePair.Create("9090", "udp"), KeyValuePair.Create("8080", ""), KeyValuePair.Create("8080", "TCP")],
        DefaultArgs = ["--step", "train"],
        Project = new ProjectInfo("Hello Pipeline", "Trains\nand scores", "https://user:s3cret@git.example.com/team/hello.git", "0123abcd"),
    };

    [Fact]
    public void EveryOptionRendersAfterTheLayers()
    {
        var plan = PlannerTestData.Plan(PlannerTestData.App(), Configured);

        GoldenFile.AssertMatches("configured.Dockerfile", plan.Dockerfile);
        Assert.DoesNotContain("s3cret", plan.Dockerfile);
    }

    [Fact]
    public void EntrypointNoneLeavesTheCommandToTheOrchestrator()
    {
        var plan = PlannerTestData.Plan(PlannerTestData.App(), new ImageSettings { EntrypointMode = "none", GenerateLabels = false });

        GoldenFile.AssertMatches("entrypoint-none.Dockerfile", plan.Dockerfile);
    }

    [Fact]
    public void EntrypointItemsMakeACustomCommand()
    {
        var (entrypoint, cmd) = ImageConfiguration.Command(new ImageSettings { Entrypoint = ["/bin/sh", "-c", "exec dotnet /app/x.dll \"$@\"", "--"] }, ["dotnet", "x"]);

        Assert.Equal(["/bin/sh", "-c", "exec dotnet /app/x.dll \"$@\"", "--"], entrypoint);
        Assert.Null(cmd);
    }

    [Theory]
    [InlineData("app", true, "PIMG2015")]
    [InlineData("none", true, "PIMG2015")]
    [InlineData("custom", false, "PIMG2015")]
    [InlineData("shell", false, "PIMG2014")]
    public void EntrypointModeAndItemsMustAgree(string mode, bool items, string code)
    {
        var settings = new ImageSettings { EntrypointMode = mode, Entrypoint = items ? ["run"] : [] };

        var error = Assert.Throws<PipelineImageException>(() => ImageConfiguration.Command(settings, ["dotnet", "x"]));

        Assert.StartsWith(code + ": PipelineImageEntrypointMode", error.Message);
    }

    [Theory]
    [InlineData("", "/app")]
    [InlineData("/", "/")]
    [InlineData("/opt/pipeline/", "/opt/pipeline")]
    [InlineData(" /work ", "/work")]
    public void WorkingDirectories(string value, string expected) => Assert.Equal(expected, ImageConfiguration.WorkingDirectory(value));

    [Theory]
    [InlineData("app")]
    [InlineData("opt/app")]
    [InlineData("/a b")]
    [InlineData("/a/$HOME")]
    [InlineData("/a\\b")]
    [InlineData("/a/../b")]
    [InlineData("/a//b")]
    [InlineData("/a/./b")]
    [InlineData("/a\nRUN x")]
    [InlineData("/a\"b")]
    public void BadWorkingDirectoriesArePimg2012(string value) =>
        Assert.StartsWith("PIMG2012: PipelineImageWorkingDirectory", Assert.Throws<PipelineImageException>(() => ImageConfiguration.WorkingDirectory(value)).Message);

    [Theory]
    [InlineData("", "app")]
    [InlineData("root", "root")]
    [InlineData("1654", "1654")]
    [InlineData("1654:1654", "1654:1654")]
    [InlineData("app:users", "app:users")]
    [InlineData("_svc-1", "_svc-1")]
    public void Users(string value, string expected) => Assert.Equal(expected, ImageConfiguration.User(value));

    [Theory]
    [InlineData("App")]
    [InlineData("app user")]
    [InlineData("app:")]
    [InlineData(":1")]
    [InlineData("1:2:3")]
    [InlineData("$USER")]
    [InlineData("app\nRUN x")]
    [InlineData("-app")]
    public void BadUsersArePimg2013(string value) =>
        Assert.StartsWith("PIMG2013: PipelineImageUser", Assert.Throws<PipelineImageException>(() => ImageConfiguration.User(value)).Message);

    [Theory]
    [InlineData("1BAD", "s3cret-value", "its name")]
    [InlineData("A-B", "s3cret-value", "its name")]
    [InlineData("A B", "s3cret-value", "its name")]
    [InlineData("", "s3cret-value", "its name")]
    [InlineData("OK", "s3cret\nvalue", "line break")]
    [InlineData("OK", "tab\there", "line break")]
    public void BadEnvironmentVariablesArePimg2016WithoutTheirValue(string name, string value, string problem)
    {
        var error = Assert.Throws<PipelineImageException>(() =>
            ImageConfiguration.Environment(new ImageSettings { EnvironmentVariables = [KeyValuePair.Create(name, value)] }));

        Assert.StartsWith($"PIMG2016: PipelineImageEnvironmentVariable '{name}'", error.Message);
        Assert.Contains(problem, error.Message);
        Assert.DoesNotContain(value, error.Message.Replace($"'{name}'", ""));
    }

    [Theory]
    [InlineData("", "x")]
    [InlineData("a key", "x")]
    [InlineData("k", "a\nb")]
    public void BadLabelsArePimg2017(string key, string value) =>
        Assert.StartsWith("PIMG2017: PipelineImageLabel", Assert.Throws<PipelineImageException>(() =>
            ImageConfiguration.Labels(new ImageSettings { Labels = [KeyValuePair.Create(key, value)] }, "base")).Message);

    [Theory]
    [InlineData("0", "")]
    [InlineData("65536", "")]
    [InlineData("80/tcp", "")]
    [InlineData("-1", "")]
    [InlineData("http", "")]
    [InlineData("80", "icmp")]
    [InlineData("８０", "")]
    public void BadPortsArePimg2018(string port, string type) =>
        Assert.StartsWith("PIMG2018: PipelineImagePort", Assert.Throws<PipelineImageException>(() =>
            ImageConfiguration.Ports(new ImageSettings { Ports = [KeyValuePair.Create(port, type)] })).Message);

    [Fact]
    public void GeneratedLabelsCarryNoTimeAndCanBeTurnedOff()
    {
        var labels = ImageConfiguration.Labels(Configured with { Labels = [] }, "base:1");

        Assert.Equal(
            ["org.opencontainers.image.base.name", "org.opencontainers.image.description", "org.opencontainers.image.revision",
             "org.opencontainers.image.source", "org.opencontainers.image.title", "org.opencontainers.image.version"],
            labels.Select(label => label.Key));
        Assert.Equal("https://git.example.com/team/hello.git", labels.Single(l => l.Key.EndsWith(".source")).Value);
        Assert.Equal("Trains and scores", labels.Single(l => l.Key.EndsWith(".description")).Value);
        Assert.Empty(ImageConfiguration.Labels(Configured with { Labels = [], GenerateLabels = false }, "base:1"));
    }

    [Fact]
    public void NuGetsPlaceholderDescriptionIsNoDescription() =>
        Assert.DoesNotContain(ImageConfiguration.Labels(new ImageSettings { Project = new ProjectInfo(Description: "Package Description") }, "b"),
            label => label.Key.EndsWith(".description"));
}

public class RegistryPrefixTests
{
    [Theory]
    [InlineData("", "", "hellopipeline")]
    [InlineData("localhost:5000", "", "localhost:5000/hellopipeline")]
    [InlineData("registry.example.com/team/", "train", "registry.example.com/team/train")]
    [InlineData("ghcr.io/org", "ghcr.io/org/train", "ghcr.io/org/train")]
    public void TheRegistryPrefixesTheName(string registry, string name, string expected) =>
        Assert.Equal(expected, ImagePlanner.ResolveName(PlannerTestData.App(), new ImageSettings { Registry = registry, Name = name }));

    [Theory]
    [InlineData("https://registry.example.com")]
    [InlineData("team")]
    [InlineData("registry.example.com:port")]
    public void BadRegistriesArePimg2026(string registry) =>
        Assert.StartsWith("PIMG2026: PipelineImageRegistry", Assert.Throws<PipelineImageException>(() =>
            ImagePlanner.ResolveName(PlannerTestData.App(), new ImageSettings { Registry = registry })).Message);

    [Theory]
    [InlineData("localhost:5000;localhost:5001/team", "", "localhost:5000/hellopipeline localhost:5001/team/hellopipeline")]
    [InlineData(" localhost:5000 ; ; localhost:5000/ ;ghcr.io/org", "", "localhost:5000/hellopipeline ghcr.io/org/hellopipeline")]
    [InlineData("localhost:5000;ghcr.io/org", "ghcr.io/org/train", "localhost:5000/train ghcr.io/org/train")]
    public void EachRegistryOfAListGetsTheNameAndTheFirstIsTheImagesOwn(string registry, string name, string expected)
    {
        var names = ImagePlanner.ResolveNames(PlannerTestData.App(), new ImageSettings { Registry = registry, Name = name });

        Assert.Equal(expected.Split(' '), names);
        Assert.Equal(names[0], ImagePlanner.ResolveName(PlannerTestData.App(), new ImageSettings { Registry = registry, Name = name }));
    }

    [Fact]
    public void ABadRegistryInAListIsPimg2026NamingIt() =>
        Assert.Contains("'team'", Assert.Throws<PipelineImageException>(() =>
            ImagePlanner.ResolveNames(PlannerTestData.App(), new ImageSettings { Registry = "localhost:5000;team" })).Message);

    [Fact]
    public void ThePlanTagsEveryTagInEveryRegistryRegistryByRegistry()
    {
        var plan = ImagePlanner.Create(PlannerTestData.App(), new ImageSettings { Registry = "localhost:5000;localhost:5001", Tags = ["1.0", "latest"] },
            new ContextSources([], []));

        Assert.Equal("localhost:5000/hellopipeline", plan.Name);
        Assert.Equal(["localhost:5000/hellopipeline:1.0", "localhost:5000/hellopipeline:latest", "localhost:5001/hellopipeline:1.0", "localhost:5001/hellopipeline:latest"],
            plan.References.Select(reference => reference.ToString()));
    }
}
