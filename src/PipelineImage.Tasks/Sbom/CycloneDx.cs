using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace PipelineImage.Sbom;

/// <summary>
/// A CycloneDX 1.5 JSON bill of materials for an image: the image as the described component, its packages as
/// libraries (deb and apk ones as operating-system packages in the sense of their purls). Deterministic: no time
/// stamp, a serial number derived from the image id, components sorted by purl.
/// </summary>
internal static class CycloneDx
{
    public static string Write(string imageName, string imageId, IReadOnlyList<string> references, IEnumerable<Package> packages)
    {
        var serial = new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(imageId)).AsSpan(0, 16));
        var document = new Dictionary<string, object>
        {
            ["bomFormat"] = "CycloneDX",
            ["specVersion"] = "1.5",
            ["serialNumber"] = $"urn:uuid:{serial}",
            ["version"] = 1,
            ["metadata"] = new Dictionary<string, object>
            {
                ["tools"] = new Dictionary<string, object> { ["components"] = new[] { new Dictionary<string, string> { ["type"] = "application", ["name"] = "PipelineImage.Tasks" } } },
                ["component"] = new Dictionary<string, object>
                {
                    ["type"] = "container",
                    ["bom-ref"] = imageId,
                    ["name"] = imageName,
                    ["version"] = imageId,
                    ["properties"] = references.Select(reference => new Dictionary<string, string> { ["name"] = "pipelineimage:reference", ["value"] = reference }).ToArray(),
                },
            },
            ["components"] = packages.OrderBy(package => package.Purl, StringComparer.Ordinal).Select(package => new Dictionary<string, string>
            {
                ["type"] = "library",
                ["bom-ref"] = package.Purl,
                ["name"] = package.Name,
                ["version"] = package.Version,
                ["purl"] = package.Purl,
            }).ToArray(),
        };
        return JsonSerializer.Serialize(document, Options).Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";
    }

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
