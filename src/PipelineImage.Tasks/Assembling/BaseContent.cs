using PipelineImage.Registry;

namespace PipelineImage.Assembling;

/// <summary>
/// What the assembler puts our layers on: the base's manifest (its layers) and its configuration, read from its
/// registry (<see cref="ImageAssembler.ReadFromRegistryAsync"/>) or from an engine that holds it
/// (<see cref="ImageStore.EngineBaseReader"/>).
/// </summary>
/// <param name="Name">The base's repository.</param>
/// <param name="Digest">Its manifest's digest in the registry; from an engine, the engine's id of the image.</param>
/// <param name="ManifestMediaType">The media type of the manifest our image gets (an image keeps its base's).</param>
/// <param name="Layers">The base's layers as its manifest names them.</param>
/// <param name="ConfigDigest">The digest of its configuration.</param>
/// <param name="Config">Its configuration, as it was written.</param>
/// <param name="InEngine">
/// Read from an engine: its layers are the engine's, in no registry, so the image is loaded into that engine (and
/// pushed from there), never pushed through the registry API.
/// </param>
internal sealed record BaseContent(
    RepositoryName Name, string Digest, string ManifestMediaType, IReadOnlyList<Descriptor> Layers, string ConfigDigest, byte[] Config, bool InEngine = false)
{
    /// <summary>What the base's files say, where they were read (<see cref="BaseImages.BaseFacts"/>); null: not read.</summary>
    public BaseImages.BaseFacts? Facts { get; init; }
}
