using System.Text.Json.Serialization;

namespace PipelineImage.Assembling;

/// <summary>
/// assembly.json, the record of an assembled image.
/// Generated JSON metadata (docs/architecture.md, "Rules the code keeps").
/// </summary>
[JsonSerializable(typeof(AssemblyRecord))]
internal sealed partial class AssemblingJson : JsonSerializerContext
{
}
