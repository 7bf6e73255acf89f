using System.Text.Json.Serialization;

namespace PipelineImage.ImageStore;

/// <summary>
/// What the image store keeps: a base read from an engine (read by every publish on it), loaded.json. System.Text.Json's metadata for them, generated at compile time: a publish spends no time reflecting over
/// their types, which cost the first task that read or wrote one tens of milliseconds. The options stay each file's own
/// (their <c>TypeInfoResolver</c> is this).
/// </summary>
[JsonSerializable(typeof(EngineBaseReader.Kept))]
[JsonSerializable(typeof(AssembledImageLoader.Loaded))]
internal sealed partial class ImageStoreJson : JsonSerializerContext
{
}
