using PipelineImage.Intermediate;
using PipelineImage.Naming;

namespace PipelineImage.Tests.Intermediate;

/// <summary>PipelineImageReferencesFile: what a push wrote, by digest (<see cref="PushedImageFile"/>).</summary>
public sealed class PushedImageFileTests
{
    private const string Digest = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

    [Fact]
    public void TheFirstReferenceByDigestIsTheImageAndEveryTagIsListedWithItsPinnedReference()
    {
        var file = PushedImageFile.Of(
            [(new ImageReference("registry.example.com/team/train", "1.0.0"), Digest), (new ImageReference("ghcr.io/org/train", "1.0.0"), Digest)],
            new Dictionary<string, string> { ["linux/arm64"] = "sha256:b", ["linux/amd64"] = "sha256:a" });

        Assert.Equal($$"""
            {
              "image": "registry.example.com/team/train@{{Digest}}",
              "digest": "{{Digest}}",
              "references": [
                {
                  "reference": "registry.example.com/team/train:1.0.0",
                  "digest": "{{Digest}}",
                  "pinned": "registry.example.com/team/train@{{Digest}}"
                },
                {
                  "reference": "ghcr.io/org/train:1.0.0",
                  "digest": "{{Digest}}",
                  "pinned": "ghcr.io/org/train@{{Digest}}"
                }
              ],
              "platforms": {
                "linux/amd64": "sha256:a",
                "linux/arm64": "sha256:b"
              }
            }

            """, file.ToJson());
    }

    [Fact]
    public void OneImageHasNoPlatforms()
    {
        var file = PushedImageFile.Of([(new ImageReference("localhost:5000/evaluate", "latest"), Digest)], null);

        Assert.DoesNotContain("platforms", file.ToJson(), StringComparison.Ordinal);
        Assert.Equal($"localhost:5000/evaluate@{Digest}", file.Image);
    }
}
