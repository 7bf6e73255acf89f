using System.Text;
using PipelineImage.Assembling;
using PipelineImage.Registry;

namespace PipelineImage.Tests.Assembling;

/// <summary>Blobs in an assembled directory, as the assembler lays them out.</summary>
internal static class AssembledBlobs
{
    /// <summary>Writes the text as a blob of the directory; its digest.</summary>
    public static string Write(string directory, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var digest = ContentDigest.Of(bytes);
        var path = AssemblyRecord.BlobPath(directory, digest);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return digest;
    }
}
