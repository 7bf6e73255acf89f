using System.Runtime.CompilerServices;

namespace PipelineImage.Tests;

/// <summary>
/// Compares text with a file under Golden/. With PIPELINEIMAGE_UPDATE_GOLDEN=1 the file in the source tree is
/// rewritten instead (review the diff before committing it).
/// </summary>
internal static class GoldenFile
{
    public static void AssertMatches(string name, string actual, [CallerFilePath] string callerPath = "")
    {
        var sourcePath = Path.Combine(SourceDirectory(callerPath), name);
        if (Environment.GetEnvironmentVariable("PIPELINEIMAGE_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(sourcePath, actual);
            return;
        }

        var expected = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", name));
        Assert.Equal(expected, actual);
    }

    private static string SourceDirectory(string callerPath)
    {
        var directory = Path.GetDirectoryName(callerPath)!;
        while (!File.Exists(Path.Combine(directory, "PipelineImage.Tasks.UnitTests.csproj")))
        {
            directory = Path.GetDirectoryName(directory)!;
        }

        return Path.Combine(directory, "Golden");
    }
}
