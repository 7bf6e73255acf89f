using System.Text.Json.Serialization;

namespace PipelineImage.Assembling;

/// <summary>
/// assembly.json, the record of an assembled image, and index.json, of an assembled index.
/// Generated JSON metadata (docs/architecture.md, "Rules the code keeps").
/// </summary>
[JsonSerializable(typeof(AssemblyRecord))]
[JsonSerializable(typeof(IndexRecord))]
internal sealed partial class AssemblingJson : JsonSerializerContext
{
}
