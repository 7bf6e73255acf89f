using System.Text.Json.Serialization;

namespace PipelineImage.Dockerfile;

/// <summary>
/// The JSON strings of a Dockerfile's exec forms.
/// Generated JSON metadata (docs/architecture.md, "Rules the code keeps").
/// </summary>
[JsonSerializable(typeof(string))]
internal sealed partial class DockerfileJson : JsonSerializerContext
{
}
