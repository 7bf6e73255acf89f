using PipelineImage.Context;

namespace PipelineImage.Tests.Context;

public sealed class ContextWalkerTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pimg-walk-").FullName;
    private readonly string _outside = Directory.CreateTempSubdirectory("pimg-outside-").FullName;

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        Directory.Delete(_outside, recursive: true);
    }

    [UnixFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void SendsLinksAsLinksKeepsEmptyDirectoriesAndModesAndSkipsExcludedTrees()
    {
        Write("src/app.cs");
        Write("bin/Debug/app.dll");
        Write("secret.key");
        Directory.CreateDirectory(Path.Combine(_root, "empty"));
        File.WriteAllText(Path.Combine(_outside, "passwd"), "outside");
        File.CreateSymbolicLink(Path.Combine(_root, "link-out"), Path.Combine(_outside, "passwd"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "dir-link"), _outside);
        File.SetUnixFileMode(Path.Combine(_root, "src/app.cs"), UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var entries = ContextWalker.Walk(_root, DockerIgnoreMatcher.FromText("bin\n*.key"), [".pipelineimage"]);

        Assert.Equal(["dir-link", "empty", "link-out", "src", "src/app.cs"], entries.Select(e => e.ContextPath));
        Assert.Equal(ContextEntryKind.Symlink, entries[0].Kind);
        Assert.Equal(_outside, entries[0].LinkTarget);
        Assert.Equal(ContextEntryKind.Directory, entries[1].Kind);
        Assert.Equal(Path.Combine(_outside, "passwd"), entries[2].LinkTarget);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, entries[4].Mode);
    }

    [Fact]
    public void NeverSendsTheReservedDirectoryAndReIncludesThroughExceptions()
    {
        Write(".pipelineimage/Dockerfile");
        Write("logs/keep.log");
        Write("logs/drop.log");

        var entries = ContextWalker.Walk(_root, DockerIgnoreMatcher.FromText("logs\n!logs/keep.log"), [".pipelineimage"]);

        Assert.Equal(["logs/keep.log"], entries.Select(e => e.ContextPath));
    }

    [Theory]
    [InlineData("config/a.yaml", "config\n!config/a.yaml", true)]
    [InlineData("config/b.yaml", "config\n!config/a.yaml", false)]
    [InlineData("bin/keep.txt", "bin\n!**/keep.txt", false)] // the docker CLI skips bin without looking inside
    [InlineData("src/keep.txt", "*.txt", true)]
    public void IsSentFollowsTheWalk(string path, string ignore, bool sent) =>
        Assert.Equal(sent, ContextWalker.IsSent(path, DockerIgnoreMatcher.FromText(ignore)));

    private void Write(string path)
    {
        var full = Path.Combine(_root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, path);
    }
}
