using PipelineImage.Context;
using PipelineImage.Session;

namespace PipelineImage.Tests.Session;

/// <summary>What the FileSync sender states: fsutil's order and modes, and times that change with the bytes.</summary>
public sealed class FileSyncTests
{
    private static readonly IReadOnlyList<ContextEntry> Context =
    [
        ContextEntry.FromContent("b.txt", "bee"u8.ToArray()),
        ContextEntry.FromContent("a/x/y.txt", "why"u8.ToArray()),
        ContextEntry.FromContent("a.b", "ab"u8.ToArray()),
        ContextEntry.FromSymlink("a/z", "x/y.txt"),
        ContextEntry.FromDirectory("a/empty", (UnixFileMode)Convert.ToInt32("700", 8)),
    ];

    [Fact]
    public void EveryEntryIsStatedAfterItsParentsInFsutilsOrderWithGoModeBits()
    {
        var stats = FileSync.Select(Context, [], []);

        // A slash sorts before any other byte: a directory's entries come right after it, before "a.b".
        Assert.Equal(["a", "a/empty", "a/x", "a/x/y.txt", "a/z", "a.b", "b.txt"], stats.Select(s => s.Stat.Path));
        var byPath = stats.ToDictionary(s => s.Stat.Path, s => s.Stat);
        Assert.Equal((1u << 31) | Convert.ToUInt32("755", 8), byPath["a"].Mode); // a parent the context does not list
        Assert.Equal((1u << 31) | Convert.ToUInt32("700", 8), byPath["a/empty"].Mode);
        Assert.Equal(1u << 27, byPath["a/z"].Mode & (1u << 27));
        Assert.Equal("x/y.txt", byPath["a/z"].Linkname);
        Assert.Equal(Convert.ToUInt32("644", 8), byPath["b.txt"].Mode);
        Assert.Equal(3, byPath["b.txt"].Size);
        Assert.All(stats, s => Assert.Equal((0u, 0u), (s.Stat.Uid, s.Stat.Gid)));
        Assert.Null(stats[0].Entry);
    }

    [Fact]
    public void TheSameBytesStateTheSameTimeAndOtherBytesOfTheSameSizeAnother()
    {
        static long Time(string text) => FileSync.Select([ContextEntry.FromContent("f", System.Text.Encoding.UTF8.GetBytes(text))], [], []).Single().Stat.ModTime;

        // The builder asks again only for a file whose size or time changed.
        Assert.Equal(Time("first"), Time("first"));
        Assert.NotEqual(Time("first"), Time("secnd"));
        Assert.InRange(Time("first") - ContextTarWriter.FixedTime.ToUnixTimeMilliseconds() * 1_000_000, 0, 999_999_999);
    }

    [Fact]
    public void ARecordedContentHashStandsForTheBytesWithoutReadingThemAgain()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "other");
            var hash = "sha256:" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData("first"u8)).ToLowerInvariant();
            var recorded = ContextEntry.FromFile("f", path) with { ContentHash = hash };

            var stat = FileSync.Select([recorded], [], []).Single().Stat;

            Assert.Equal(FileSync.Select([ContextEntry.FromContent("f", "first"u8.ToArray())], [], []).Single().Stat.ModTime, stat.ModTime);
            Assert.Equal(5, stat.Size);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TheBuildersPatternsSelectWhatOneCallStates()
    {
        var included = FileSync.Select(Context, ["a/x"], []);
        var excluded = FileSync.Select(Context, [], ["a", "*.txt"]);

        Assert.Equal(["a", "a/x", "a/x/y.txt"], included.Select(s => s.Stat.Path));
        Assert.Equal(["a.b"], excluded.Select(s => s.Stat.Path));
    }
}
