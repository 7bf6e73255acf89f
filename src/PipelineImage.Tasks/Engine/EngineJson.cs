using System.Text.Json.Serialization;

namespace PipelineImage.Engine;

/// <summary>
/// A line of the JSON stream that the classic builder and a push answer with.
/// Generated JSON metadata (docs/architecture.md, "Rules the code keeps").
/// </summary>
[JsonSerializable(typeof(EngineMessage))]
internal sealed partial class EngineJson : JsonSerializerContext
{
}
