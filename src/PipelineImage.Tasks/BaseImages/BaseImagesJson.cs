using System.Text.Json.Serialization;

namespace PipelineImage.BaseImages;

/// <summary>
/// What was read of a base image (the facts kept for a base read from its registry). System.Text.Json's metadata for them, generated at compile time: a publish spends no time reflecting over
/// their types, which cost the first task that read or wrote one tens of milliseconds. The options stay each file's own
/// (their <c>TypeInfoResolver</c> is this).
/// </summary>
[JsonSerializable(typeof(BaseFacts))]
internal sealed partial class BaseImagesJson : JsonSerializerContext
{
}
