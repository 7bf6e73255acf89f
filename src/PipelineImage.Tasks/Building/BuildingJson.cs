using System.Text.Json.Serialization;

namespace PipelineImage.Building;

/// <summary>
/// lost-build.json, a build whose engine went away. System.Text.Json's metadata for them, generated at compile time: a publish spends no time reflecting over
/// their types, which cost the first task that read or wrote one tens of milliseconds. The options stay each file's own
/// (their <c>TypeInfoResolver</c> is this).
/// </summary>
[JsonSerializable(typeof(LostBuild))]
internal sealed partial class BuildingJson : JsonSerializerContext
{
}
