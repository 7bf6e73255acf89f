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
[JsonSerializable(typeof(PushedImageFile))]
internal sealed partial class IntermediateJson : JsonSerializerContext
{
    /// <summary>How plan.json and image.json are written: indented, non-ASCII as it is, references as <c>{"name", "tag"}</c>.</summary>
    /// <remarks>
    /// Made on first use, after this class's static initialisation: a static field here could be initialised before the
    /// generated <c>Default</c> (partial files initialise in no set order), leaving the options with no resolver, and
    /// System.Text.Json would then quietly fall back to reflection, emitting and compiling code for every property of
    /// plan.json at run time.
    /// </remarks>
    public static JsonSerializerOptions Files => FilesOptions.Value;

    private static class FilesOptions
    {
        public static readonly JsonSerializerOptions Value = new()
        {
            WriteIndented = true,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            Converters = { new ImageReferenceConverter() },
            TypeInfoResolver = Default,
        };
    }
}
