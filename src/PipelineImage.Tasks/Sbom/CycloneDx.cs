using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace PipelineImage.Sbom;

/// <summary>
/// A CycloneDX 1.5 JSON bill of materials for an image: the image as the described component, its packages as
/// libraries (deb and apk ones as operating-system packages in the sense of their purls); for an index, each
/// platform's image with its packages. Deterministic: no time stamp, a serial number derived from the image id (or the
/// index's digest), components sorted by purl.
/// </summary>
internal static class CycloneDx
{
    /// <summary>The bill of one image.</summary>
    /// <param name="imageName">The image's name.</param>
    /// <param name="imageId">Its id (or, assembled, its manifest's digest): the described component's version.</param>
    /// <param name="references">Its references.</param>
    /// <param name="packages">What it holds.</param>
    /// <param name="platform">The platform of one image of an index (PipelineImagePlatforms), as a property; null: a single image.</param>
    public static string Write(string imageName, string imageId, IReadOnlyList<string> references, IEnumerable<Package> packages, string? platform = null) =>
        Document(imageId, Image(imageName, imageId, references, platform, null), Libraries(packages, purl => purl));

    /// <summary>
    /// The bill of an index (PipelineImagePlatforms): the index is the described component, and each platform's image a
    /// container component with its packages nested in it (their bom-refs prefixed with the platform, as bom-refs are
    /// unique in a bill).
    /// </summary>
    /// <param name="imageName">The image's name.</param>
    /// <param name="indexDigest">The index's digest.</param>
    /// <param name="references">The index's references.</param>
    /// <param name="images">Each platform, its manifest's digest and its packages.</param>
    public static string WriteIndex(string imageName, string indexDigest, IReadOnlyList<string> references,
        IReadOnlyList<(string Platform, string ManifestDigest, IReadOnlyList<Package> Packages)> images) =>
        Document(indexDigest, Image(imageName, indexDigest, references, null, null), images.Select(image =>
            Image(imageName, image.ManifestDigest, [], image.Platform, Libraries(image.Packages, purl => $"{image.Platform}|{purl}"))).ToArray());

    private static string Document(string id, Dictionary<string, object> described, object[] components)
    {
        var serial = new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(id)).AsSpan(0, 16));
        var document = new Dictionary<string, object>
        {
            ["bomFormat"] = "CycloneDX",
            ["specVersion"] = "1.5",
            ["serialNumber"] = $"urn:uuid:{serial}",
            ["version"] = 1,
            ["metadata"] = new Dictionary<string, object>
            {
                ["tools"] = new Dictionary<string, object> { ["components"] = new[] { new Dictionary<string, string> { ["type"] = "application", ["name"] = "PipelineImage.Tasks" } } },
                ["component"] = described,
            },
            ["components"] = components,
        };
        return JsonSerializer.Serialize(document, Options).Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";
    }

    // A container component: the image (its references and platform as properties, its packages nested when given).
    private static Dictionary<string, object> Image(string name, string id, IReadOnlyList<string> references, string? platform, object[]? packages)
    {
        var properties = references.Select(reference => new Dictionary<string, string> { ["name"] = "pipelineimage:reference", ["value"] = reference });
        if (platform is not null)
        {
            properties = properties.Append(new Dictionary<string, string> { ["name"] = "pipelineimage:platform", ["value"] = platform });
        }

        var component = new Dictionary<string, object>
        {
            ["type"] = "container",
            ["bom-ref"] = id,
            ["name"] = name,
            ["version"] = id,
            ["properties"] = properties.ToArray(),
        };
        if (packages is not null)
        {
            component["components"] = packages;
        }

        return component;
    }

    private static object[] Libraries(IEnumerable<Package> packages, Func<string, string> bomRef) =>
        packages.OrderBy(package => package.Purl, StringComparer.Ordinal).Select(package => (object)new Dictionary<string, string>
        {
            ["type"] = "library",
            ["bom-ref"] = bomRef(package.Purl),
            ["name"] = package.Name,
            ["version"] = package.Version,
            ["purl"] = package.Purl,
        }).ToArray();

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
