using PipelineImage.Diagnostics;
using PipelineImage.Planning;

namespace PipelineImage.Tests.Planning;

public sealed class ParentImageTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pimg-parent-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("FROM debian:bookworm\nRUN apt-get update\n", "debian:bookworm")]
    [InlineData("from --platform=linux/amd64 alpine:3.20 AS base\n", "alpine:3.20")]
    [InlineData("FROM golang:1.22 AS build\nFROM debian:bookworm-slim\nCOPY --from=build /x /x\n", "debian:bookworm-slim")]
    [InlineData("FROM debian:bookworm AS base\nFROM base\n", null)]
    [InlineData("ARG BASE=debian\nFROM $BASE\n", null)]
    [InlineData("# FROM debian\n", null)]
    public void FinalFromNamesTheLastStagesImage(string dockerfile, string? expected) =>
        Assert.Equal(expected, ParentImage.FinalFrom(dockerfile));

    [Fact]
    public async Task TheTagChangesWithWhatTheEngineWouldBuildAndOnlyThen()
    {
        Write("Dockerfile", "FROM mcr.microsoft.com/dotnet/runtime:10.0\nCOPY tool.sh /usr/local/bin/\n");
        Write("tool.sh", "echo 1");
        Write("notes.md", "ignored");
        Write(".dockerignore", "*.md");

        var first = await Plan();
        var again = await Plan();
        Write("notes.md", "still ignored, so no new tag");
        var ignoredChange = await Plan();
        Write("tool.sh", "echo 2");
        var changed = await Plan();
        var withArg = await Plan([KeyValuePair.Create("VERSION", "2")]);

        Assert.Matches("^app-parent:[0-9a-f]{16}$", first.Reference.ToString());
        Assert.Equal(first.Reference, again.Reference);
        Assert.Equal(first.Reference, ignoredChange.Reference);
        Assert.NotEqual(first.Reference, changed.Reference);
        Assert.NotEqual(changed.Reference, withArg.Reference);
        Assert.Equal([".dockerignore", "Dockerfile", "tool.sh"], first.Context.Select(entry => entry.ContextPath));
        Assert.Equal("mcr.microsoft.com/dotnet/runtime:10.0", first.FinalBase);
        Assert.Equal("2", withArg.BuildArgs["VERSION"]);
    }

    [Fact]
    public async Task OurOwnScratchDirectoryIsNeverInTheContextSoItsChangesKeepTheTag()
    {
        Write("Parent.Dockerfile", "FROM debian:bookworm\n");
        Write("obj/Release/net10.0/pipelineimage/image.json", "{}");
        var scratch = Path.Combine(_root, "obj", "Release", "net10.0", "pipelineimage") + Path.DirectorySeparatorChar;

        var first = await ParentImage.PlanAsync("app", Path.Combine(_root, "Parent.Dockerfile"), _root, [], "", CancellationToken.None, scratch);
        Write("obj/Release/net10.0/pipelineimage/build.lock", "");
        Write("obj/Release/net10.0/pipelineimage/image.json", "{\"imageId\": \"sha256:1\"}");
        var second = await ParentImage.PlanAsync("app", Path.Combine(_root, "Parent.Dockerfile"), _root, [], "", CancellationToken.None, scratch);

        Assert.Equal(["Parent.Dockerfile", "obj", "obj/Release", "obj/Release/net10.0"], first.Context.Select(entry => entry.ContextPath));
        Assert.Equal(first.Reference, second.Reference);
    }

    [Fact]
    public async Task TheDockerfileIsSentEvenWhenItsIgnoreFileExcludesIt()
    {
        Write("docker/Parent.Dockerfile", "FROM debian:bookworm\n");
        Write("docker/Parent.Dockerfile.dockerignore", "**\n");
        Write("docker/other.txt", "x");

        var parent = await ParentImage.PlanAsync("app", Path.Combine(_root, "docker", "Parent.Dockerfile"), _root, [], "", CancellationToken.None);

        Assert.Equal("docker/Parent.Dockerfile", parent.DockerfilePath);
        Assert.Equal(["docker/Parent.Dockerfile"], parent.Context.Select(entry => entry.ContextPath));
    }

    [Fact]
    public async Task MissingFilesOutsideDockerfilesAndBadArgumentsAreErrors()
    {
        Write("Dockerfile", "FROM debian:bookworm\n");
        var sub = Directory.CreateDirectory(Path.Combine(_root, "sub")).FullName;

        Assert.StartsWith("PIMG2021: ", (await Assert.ThrowsAsync<PipelineImageException>(() =>
            ParentImage.PlanAsync("app", Path.Combine(_root, "Missing.Dockerfile"), _root, [], "", CancellationToken.None))).Message);
        Assert.StartsWith("PIMG2021: ", (await Assert.ThrowsAsync<PipelineImageException>(() =>
            ParentImage.PlanAsync("app", Path.Combine(_root, "Dockerfile"), Path.Combine(_root, "nope"), [], "", CancellationToken.None))).Message);
        Assert.StartsWith("PIMG2022: ", (await Assert.ThrowsAsync<PipelineImageException>(() =>
            ParentImage.PlanAsync("app", Path.Combine(_root, "Dockerfile"), sub, [], "", CancellationToken.None))).Message);
        Assert.StartsWith("PIMG2023: ", (await Assert.ThrowsAsync<PipelineImageException>(() =>
            Plan([KeyValuePair.Create("BAD-NAME", "1")]))).Message);
    }

    private Task<ParentImage> Plan(IReadOnlyList<KeyValuePair<string, string>>? args = null) =>
        ParentImage.PlanAsync("app", Path.Combine(_root, "Dockerfile"), _root, args ?? [], "", CancellationToken.None);

    private void Write(string path, string text)
    {
        var full = Path.Combine(_root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }
}
