using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using PipelineImage.Naming;

namespace PipelineImage.Intermediate;

/// <summary>
/// The files in obj/ that the tasks hand each other: plan.json, image.json, requirements/built.json.
/// Generated JSON metadata (docs/architecture.md, "Rules the code keeps").
/// </summary>
[JsonSerializable(typeof(PlanFile))]
[JsonSerializable(typeof(ImageRecord))]
[JsonSerializable(typeof(ImageReference))]
internal sealed partial class IntermediateJson : JsonSerializerContext
{
    /// <summary>How plan.json and image.json are written: indented, non-ASCII as it is, references as <c>{"name", "tag"}</c>.</summary>
    public static readonly JsonSerializerOptions Files = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new ImageReferenceConverter() },
        TypeInfoResolver = Default,
    };
}
