using System.Text.Json.Serialization;

namespace PipelineImage.Engine;

/// <summary>
/// A line of the JSON stream that the classic builder and a push answer with (read once a line). System.Text.Json's metadata for them, generated at compile time: a publish spends no time reflecting over
/// their types, which cost the first task that read or wrote one tens of milliseconds. The options stay each file's own
/// (their <c>TypeInfoResolver</c> is this).
/// </summary>
[JsonSerializable(typeof(EngineMessage))]
internal sealed partial class EngineJson : JsonSerializerContext
{
}
