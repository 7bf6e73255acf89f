using System.Security.Cryptography;
using System.Text;

namespace PipelineImage.Intermediate;

/// <summary>
/// What an image is built from: the plan's <see cref="PlanFile.InputsKey"/> and the id of the image its Dockerfile
/// starts FROM, as the engine has it. The build labels the image with it; a publish whose key an image on the engine
/// already carries has nothing to build.
/// </summary>
public static class ContentKey
{
    /// <summary>The label that carries the key.</summary>
    public const string Label = "org.pipelineimage.content-key";

    public static string Of(string inputsKey, string baseImageId) =>
        "sha256:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"pipelineimage-content-v1\n{inputsKey}\n{baseImageId}\n"))).ToLowerInvariant();
}
