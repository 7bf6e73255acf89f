using System.Text.Json.Serialization;

namespace PipelineImage.Building;

/// <summary>
/// lost-build.json, a build whose engine went away.
/// Generated JSON metadata (docs/architecture.md, "Rules the code keeps").
/// </summary>
[JsonSerializable(typeof(LostBuild))]
internal sealed partial class BuildingJson : JsonSerializerContext
{
}
