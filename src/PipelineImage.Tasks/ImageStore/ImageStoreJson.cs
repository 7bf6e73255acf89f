using System.Text.Json.Serialization;

namespace PipelineImage.ImageStore;

/// <summary>
/// What the image store keeps: a base read from an engine, loaded.json.
/// Generated JSON metadata (docs/architecture.md, "Rules the code keeps").
/// </summary>
[JsonSerializable(typeof(EngineBaseReader.Kept))]
[JsonSerializable(typeof(AssembledImageLoader.Loaded))]
internal sealed partial class ImageStoreJson : JsonSerializerContext
{
}
