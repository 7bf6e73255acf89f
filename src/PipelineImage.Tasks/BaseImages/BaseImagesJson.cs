using System.Text.Json.Serialization;

namespace PipelineImage.BaseImages;

/// <summary>
/// A base's facts as kept for a base read from its registry.
/// Generated JSON metadata (docs/architecture.md, "Rules the code keeps").
/// </summary>
[JsonSerializable(typeof(BaseFacts))]
internal sealed partial class BaseImagesJson : JsonSerializerContext
{
}
