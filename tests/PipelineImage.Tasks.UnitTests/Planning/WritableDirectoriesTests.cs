using PipelineImage.Assembling;
using PipelineImage.BaseImages;
using PipelineImage.Context;
using PipelineImage.Diagnostics;
using PipelineImage.Planning;

namespace PipelineImage.Tests.Planning;

/// <summary>The directories the image's user owns: the Dockerfile's COPY --chown and the assembler's layer of owned entries.</summary>
public class WritableDirectoriesTests
{
    private static readonly BaseAccounts Accounts = new(
        BaseFacts.FromFiles(new Dictionary<string, string>
        {
            ["/etc/passwd"] = "root:x:0:0:root:/root:/bin/bash\napp:x:1654:1654::/home/app:/bin/sh\n",
            ["/etc/group"] = "root:x:0:\napp:x:1654:\n",
        }).OwnerOf,
        ["/var", "/var/lib", "/tmp"]);

    private static BuildPlan Plan(ImageSettings settings, BaseAccounts? accounts = null) =>
        ImagePlanner.Create(PlannerTestData.App(), settings with { Version = "1.0.0" }, ContextSources.None, accounts: accounts ?? Accounts);

    [Fact]
    public void NothingIsWritableByDefault()
    {
        var plan = Plan(new ImageSettings());

        Assert.DoesNotContain("--chown", plan.Dockerfile);
        Assert.DoesNotContain(plan.Context, entry => entry.ContextPath.StartsWith(".pipelineimage/writable", StringComparison.Ordinal));
    }

    [Fact]
    public void TheWorkingDirectoryIsCopiedAsTheUsersDirectoryIntoItsParentAfterTheAppAndBeforeUser()
    {
        var plan = Plan(new ImageSettings { WritableWorkingDirectory = true });

        var lines = plan.Dockerfile.Split('\n');
        var owned = Array.IndexOf(lines, "COPY --chown=1654:1654 [\".pipelineimage/writable/0/\", \"/\"]");
        Assert.True(owned > Array.IndexOf(lines, "COPY [\".pipelineimage/app/\", \"/app/\"]"), plan.Dockerfile);
        Assert.Equal("USER app", lines[owned + 1]);
        var directory = Assert.Single(plan.Context, entry => entry.ContextPath.StartsWith(".pipelineimage/writable/", StringComparison.Ordinal));
        Assert.Equal((".pipelineimage/writable/0/app", ContextEntryKind.Directory), (directory.ContextPath, directory.Kind));

        var layer = plan.Assembly!.Layers[^1];
        Assert.Equal("COPY --chown=1654:1654 .pipelineimage/writable/0/ / # PipelineImage.Tasks", layer.CreatedBy);
        var entry = Assert.Single(layer.Entries);
        Assert.Equal(("app", "directory", "0755", "1654:1654"), (entry.Path, entry.Kind, entry.Mode, entry.Owner));
        Assert.All(plan.Assembly.Layers.SkipLast(1).SelectMany(l => l.Entries), e => Assert.Null(e.Owner));
    }

    [Fact]
    public void ListedDirectoriesAreRelativeToTheWorkingDirectoryOrAbsoluteAndWhatTheImageLacksOnTheWayIsTheUsersToo()
    {
        var plan = Plan(new ImageSettings
        {
            WorkingDirectory = "/opt/step",
            User = "app:root",
            WritableWorkingDirectory = true,
            WritableDirectories = ["outputs/", "/var/lib/step/cache", " /data ", "outputs"],
        });

        Assert.Contains("COPY --chown=1654:0 [\".pipelineimage/writable/0/\", \"/\"]", plan.Dockerfile);
        Assert.Contains("COPY --chown=1654:0 [\".pipelineimage/writable/1/\", \"/opt/\"]", plan.Dockerfile);
        Assert.Contains("COPY --chown=1654:0 [\".pipelineimage/writable/2/\", \"/opt/step/\"]", plan.Dockerfile);
        Assert.Contains("COPY --chown=1654:0 [\".pipelineimage/writable/3/\", \"/var/lib/\"]", plan.Dockerfile);
        Assert.Equal(
            [
                ".pipelineimage/writable/0/data", ".pipelineimage/writable/1/step", ".pipelineimage/writable/2/outputs",
                ".pipelineimage/writable/3/step", ".pipelineimage/writable/3/step/cache",
            ],
            plan.Context.Where(entry => entry.ContextPath.StartsWith(".pipelineimage/writable/", StringComparison.Ordinal)).Select(entry => entry.ContextPath));
        var layers = plan.Assembly!.Layers.Where(layer => layer.CreatedBy.Contains("--chown", StringComparison.Ordinal)).ToList();
        Assert.Equal(
            [
                ["data:1654:0"], ["opt:", "opt/step:1654:0"], ["opt:", "opt/step:1654:0", "opt/step/outputs:1654:0"],
                ["var:", "var/lib:", "var/lib/step:1654:0", "var/lib/step/cache:1654:0"],
            ],
            layers.Select(layer => layer.Entries.Select(entry => $"{entry.Path}:{entry.Owner}").ToArray()));
    }

    [Fact]
    public void NumericIdsNeedNothingOfTheBase()
    {
        var plan = ImagePlanner.Create(PlannerTestData.App(), new ImageSettings { User = "2000:3000", WritableWorkingDirectory = true },
            ContextSources.None);

        Assert.Contains("COPY --chown=2000:3000 [\".pipelineimage/writable/0/\", \"/\"]", plan.Dockerfile);
    }

    [Theory]
    [InlineData("app", null, "its files could not be read")]
    [InlineData("alice", "accounts", "its /etc/passwd or /etc/group has no such entry")]
    [InlineData("2000", null, "its files could not be read")]
    public void AUserWhoseIdsTheBaseDoesNotTellIsPimg2047(string user, string? accounts, string reason)
    {
        var e = Assert.Throws<PipelineImageException>(() => ImagePlanner.Create(PlannerTestData.App(),
            new ImageSettings { User = user, WritableDirectories = ["/data"] }, ContextSources.None, accounts: accounts is null ? null : Accounts));

        Assert.StartsWith($"PIMG2047: The image's user is to own /data, and the base image 'mcr.microsoft.com/dotnet/runtime:10.0' does not tell the numeric ids of PipelineImageUser '{user}' ({reason})", e.Message);
    }

    [Theory]
    [InlineData("/", "it is the root directory")]
    [InlineData("../etc", "it has an empty, '.' or '..' segment")]
    [InlineData("/data//x", "it has an empty, '.' or '..' segment")]
    [InlineData("my outputs", "it holds white space")]
    public void AnInvalidDirectoryIsPimg2046ReportedWithTheOtherInvalidSettings(string directory, string problem)
    {
        var e = Assert.Throws<PipelineImageProblemsException>(() => Plan(new ImageSettings { User = "Bad User", WritableDirectories = [directory] }));

        Assert.Contains(e.Problems, p => p.Message.StartsWith("PIMG2013: ", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Message.StartsWith($"PIMG2046: PipelineImageWritableDirectory '{directory}' is not a directory the image's user can be given: {problem}",
            StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheAssemblersLayerWritesTheOwnerIntoTheTarAndItsKeySaysSo()
    {
        var layer = new PlannedLayer("COPY", [new LayerEntry("app", "directory", "0755") { Owner = "1654:1654" }]);
        using var gzip = new MemoryStream();

        await LayerWriter.WriteAsync(layer, 1, _ => throw new InvalidOperationException(), gzip, CancellationToken.None);

        gzip.Position = 0;
        await using var tar = new System.Formats.Tar.TarReader(new System.IO.Compression.GZipStream(gzip, System.IO.Compression.CompressionMode.Decompress));
        var entry = (await tar.GetNextEntryAsync())!;
        Assert.Equal(("app/", 1654, 1654), (entry.Name, entry.Uid, entry.Gid));
        var rootOwned = new PlannedLayer("COPY", [new LayerEntry("app", "directory", "0755")]);
        var empty = new Dictionary<string, PipelineImage.Intermediate.PlannedEntry>();
        Assert.NotEqual(ImageAssembler.LayerKey(rootOwned, 1, empty), ImageAssembler.LayerKey(layer, 1, empty));
    }
}
