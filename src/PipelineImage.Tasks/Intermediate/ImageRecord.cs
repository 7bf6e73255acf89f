using System.Text.Json;
using System.Text.Json.Serialization;

namespace PipelineImage.Intermediate;

/// <summary>
/// <c>image.json</c>, written beside the Dockerfile after a build so that scripts and later targets can find the
/// image without parsing the build log.
/// </summary>
internal sealed record ImageRecord(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("tags")] IReadOnlyList<string> Tags,
    [property: JsonPropertyName("imageId")] string ImageId)
{
    /// <summary>
    /// Every reference the build tagged: the name in each registry of PipelineImageRegistry with each tag. Null in a
    /// record of an earlier version, which had only <see cref="Name"/> with each of <see cref="Tags"/>.
    /// </summary>
    [JsonPropertyName("references")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<Naming.ImageReference>? References { get; init; }

    /// <summary>What the push target pushes: <see cref="References"/>, or the name with each tag.</summary>
    public IReadOnlyList<Naming.ImageReference> AllReferences() => References ?? Tags.Select(tag => new Naming.ImageReference(Name, tag)).ToList();

    /// <summary>The digest the registry stored for each pushed reference (<c>name:tag</c>); null before any push.</summary>
    [JsonPropertyName("pushed")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Pushed { get; init; }

    /// <summary>
    /// The directory where the assembler wrote the image (its blobs and <c>assembly.json</c>), when no engine built it;
    /// <see cref="ImageId"/> is then its config's digest, as an engine would name it, and the push target pushes from here.
    /// </summary>
    [JsonPropertyName("assembled")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Assembled { get; init; }

    /// <summary>
    /// Where the image lives, from what the build recorded: in the assembler's directory (<see cref="Assembled"/>), else in
    /// the engine by its id. Push, save and describe read
    /// it through <see cref="ImageStore.StoredImages"/>, and nothing else asks.
    /// </summary>
    [JsonIgnore]
    public ImageLocation Location => Platforms is not null ? ImageLocation.Index : Assembled is not null ? ImageLocation.Layout : ImageLocation.Engine;

    /// <summary>
    /// PipelineImagePlatforms: each platform's manifest digest, in the order of the property; <see cref="Manifest"/> (and
    /// <see cref="ImageId"/>) is then the index's digest and <see cref="Assembled"/> the index's directory. Null: one image.
    /// </summary>
    [JsonPropertyName("platforms")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Platforms { get; init; }

    /// <summary>The assembled image's manifest digest: what a registry stores for every tag, on any machine.</summary>
    [JsonPropertyName("manifest")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Manifest { get; init; }

    /// <summary>The docker-archive (PipelineImageArchiveOutputPath) that holds this image; null when none was written.</summary>
    [JsonPropertyName("archive")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Archive { get; init; }

    /// <summary>The archive's format when it is not a docker-archive: <c>oci</c>.</summary>
    [JsonPropertyName("archiveFormat")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ArchiveFormat { get; init; }

    /// <summary>The bill of materials (PipelineImageSbom) that describes this image; null when none was written.</summary>
    [JsonPropertyName("sbom")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Sbom { get; init; }

    /// <summary>
    /// PipelineImagePlatforms with PipelineImageSbom: each platform's bill of materials, which the push attaches to that
    /// platform's manifest (<see cref="Sbom"/> is the index's); null for a single image.
    /// </summary>
    [JsonPropertyName("platformSboms")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? PlatformSboms { get; init; }

    /// <summary>Reads image.json as <see cref="ToJson"/> writes it.</summary>
    /// <exception cref="Diagnostics.PipelineImageException"><paramref name="missing"/> (PIMG4003 by default) when it is not such a file.</exception>
    public static ImageRecord Parse(string json, string path, string missing = Diagnostics.DiagnosticCodes.NoImageToPush)
    {
        try
        {
            var record = JsonSerializer.Deserialize<ImageRecord>(json, Options);
            if (record is { Name.Length: > 0, ImageId.Length: > 0, Tags.Count: > 0 })
            {
                return record;
            }
        }
        catch (JsonException)
        {
        }

        throw new Diagnostics.PipelineImageException(missing, path, "is not an image.json written by a build");
    }

    private static readonly JsonSerializerOptions Options = IntermediateJson.Files;

    public string ToJson() => JsonSerializer.Serialize(this, Options).Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";

    /// <summary>
    /// Writes the record to <paramref name="path"/> (only when it changed). With <paramref name="mayKeepEarlier"/>, a
    /// record there of an earlier push (or archive, or bill) stays, as it is still true: when the image, where it is
    /// and its references are the same.
    /// </summary>
    public async Task WriteAsync(string path, bool mayKeepEarlier, CancellationToken cancellationToken)
    {
        var record = this;
        if (mayKeepEarlier && File.Exists(path))
        {
            try
            {
                var earlier = Parse(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false), path);
                if (earlier.ImageId == ImageId && earlier.Manifest == Manifest && earlier.Assembled == Assembled
                    && earlier.AllReferences().SequenceEqual(AllReferences()))
                {
                    record = earlier;
                }
            }
            catch (Diagnostics.PipelineImageException)
            {
            }
        }

        await AtomicFile.WriteIfChangedAsync(path, record.ToJson()).ConfigureAwait(false);
    }
}

/// <summary>Where an image that image.json records lives.</summary>
internal enum ImageLocation
{
    /// <summary>In the engine, by its id: the engine pushes and saves it, and reads its files.</summary>
    Engine,

    /// <summary>In the assembler's directory, as blobs, with the base's layers in its registry: no engine needed.</summary>
    Layout,

    /// <summary>An index over several platforms' images, each in an assembler's directory (PipelineImagePlatforms).</summary>
    Index,
}
