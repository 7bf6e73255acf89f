using System.Text.Json.Serialization;

namespace PipelineImage.Dockerfile;

/// <summary>
/// The JSON strings of a Dockerfile's exec forms. System.Text.Json's metadata for them, generated at compile time: a publish spends no time reflecting over
/// their types, which cost the first task that read or wrote one tens of milliseconds. The options stay each file's own
/// (their <c>TypeInfoResolver</c> is this).
/// </summary>
[JsonSerializable(typeof(string))]
internal sealed partial class DockerfileJson : JsonSerializerContext
{
}
