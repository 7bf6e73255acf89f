using System.Text.Json;
using PipelineImage.Naming;

namespace PipelineImage.Intermediate;

/// <summary>
/// <c>requirements/built.json</c>: the requirements base this project last built in the engine, <c>{"name", "tag"}</c>
/// as plan.json and image.json write a reference, so that the next base built can replace it there.
/// </summary>
internal static class BuiltBaseRecord
{
    private static readonly JsonSerializerOptions Options = new() { Converters = { new ImageReferenceConverter() }, TypeInfoResolver = IntermediateJson.Default };

    /// <summary>The reference recorded at <paramref name="path"/>; null when there is no such file or it is not one.</summary>
    public static async Task<ImageReference?> ReadAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return JsonSerializer.Deserialize<ImageReference>(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false), Options);
        }
        catch (Exception e) when (e is IOException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Records <paramref name="reference"/> at <paramref name="path"/>, atomically.</summary>
    public static Task WriteAsync(string path, ImageReference reference) =>
        AtomicFile.WriteIfChangedAsync(path, JsonSerializer.Serialize(reference, Options) + "\n");
}
