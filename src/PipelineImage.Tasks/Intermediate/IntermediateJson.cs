using System.Text.Json.Serialization;
using PipelineImage.Naming;

namespace PipelineImage.Intermediate;

/// <summary>
/// The files in obj/ that the tasks hand each other: plan.json, image.json, requirements/built.json. System.Text.Json's metadata for them, generated at compile time: a publish spends no time reflecting over
/// their types, which cost the first task that read or wrote one tens of milliseconds. The options stay each file's own
/// (their <c>TypeInfoResolver</c> is this).
/// </summary>
[JsonSerializable(typeof(PlanFile))]
[JsonSerializable(typeof(ImageRecord))]
[JsonSerializable(typeof(ImageReference))]
internal sealed partial class IntermediateJson : JsonSerializerContext
{
}
