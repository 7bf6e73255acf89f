using System.Text.Json.Serialization;

namespace PipelineImage.Sbom;

/// <summary>
/// What a layer's files say, kept by its digest.
/// Generated JSON metadata (docs/architecture.md, "Rules the code keeps").
/// </summary>
[JsonSerializable(typeof(LayerFiles))]
internal sealed partial class SbomJson : JsonSerializerContext
{
}
