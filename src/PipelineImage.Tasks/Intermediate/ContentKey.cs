using System.Text;

namespace PipelineImage.Intermediate;

/// <summary>
/// What an image is built from: the plan's <see cref="PlanFile.InputsKey"/>, which of its Dockerfiles the builder
/// builds (with cache mounts or the classic builder's) and the id of the image it starts FROM, as the engine has it. The build labels the image with it; a publish whose key an image on the engine
/// already carries has nothing to build.
/// </summary>
internal static class ContentKey
{
    /// <summary>The label that carries the key.</summary>
    public const string Label = "org.pipelineimage.content-key";

    public static string Of(string inputsKey, string dockerfile, string baseImageId) =>
        Registry.ContentDigest.Of(Encoding.UTF8.GetBytes($"pipelineimage-content-v2\n{inputsKey}\n{dockerfile}\n{baseImageId}\n"));
}
