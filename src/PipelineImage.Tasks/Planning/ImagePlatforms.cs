using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Registry;

namespace PipelineImage.Planning;

/// <summary>
/// PipelineImagePlatforms: several platforms, one image each and an image index over them, which the tags name. A
/// framework-dependent app without a RuntimeIdentifier is published once, and its .NET layers serve every platform (its
/// native NuGet assets cover every runtime identifier); any other (self-contained, single-file, ReadyToRun, native AOT,
/// or a RuntimeIdentifier) is published once per platform's runtime identifier by the package's targets, and each
/// platform's layers are its own publish's. The requirements base (the RUN steps) is built per platform. The index lives
/// in a registry, or in an OCI archive (an OCI image layout holds an index; a docker-archive holds one image).
/// </summary>
internal static class ImagePlatforms
{
    /// <summary>
    /// The platform and platforms of the plan: PipelineImagePlatforms validated and without repeats, in the order given;
    /// one platform there is PipelineImagePlatform's single image, none leaves PipelineImagePlatform as it is.
    /// </summary>
    /// <param name="platform">PipelineImagePlatform, validated.</param>
    /// <param name="platforms">PipelineImagePlatforms, as written.</param>
    /// <exception cref="PipelineImageException">PIMG2049 when the list is not one of platforms, or both properties are set.</exception>
    public static (string Platform, IReadOnlyList<string> Platforms) Resolve(string platform, string platforms)
    {
        var given = platforms.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (given.Length == 0)
        {
            return (platform, []);
        }

        if (platform.Length > 0)
        {
            throw new PipelineImageException(DiagnosticCodes.InvalidPlatforms, platforms,
                $"is set with PipelineImagePlatform '{platform}': set PipelineImagePlatform for one image, or PipelineImagePlatforms for an index, not both");
        }

        var valid = new List<string>();
        foreach (var entry in given)
        {
            string checkedPlatform;
            try
            {
                checkedPlatform = BuildPlatform.Validate(entry);
            }
            catch (PipelineImageException)
            {
                throw new PipelineImageException(DiagnosticCodes.InvalidPlatforms, platforms,
                    $"names '{entry}', which is not a platform: write each as os/arch or os/arch/variant, such as linux/amd64;linux/arm64");
            }

            if (valid.Contains(checkedPlatform, StringComparer.Ordinal))
            {
                throw new PipelineImageException(DiagnosticCodes.InvalidPlatforms, platforms, $"names {checkedPlatform} twice: name each platform once");
            }

            valid.Add(checkedPlatform);
        }

        return valid.Count == 1 ? (valid[0], []) : (platform, valid);
    }

    /// <summary>Whether an image for each of <paramref name="platforms"/> can be made from this publish, as planned.</summary>
    /// <param name="platforms">The platforms (two or more).</param>
    /// <param name="app">The publish output.</param>
    /// <param name="platformApps">Each platform's own publish, when the targets published one per runtime identifier.</param>
    /// <param name="push">PipelineImagePush.</param>
    /// <param name="archive">PipelineImageArchiveFormat when PipelineImageArchiveOutputPath is set; null: no archive.</param>
    /// <param name="parentDockerfile">Whether PipelineImageParentDockerfile is set.</param>
    /// <exception cref="PipelineImageException">PIMG2050, naming what stands in the way and what to do.</exception>
    public static void Check(IReadOnlyList<string> platforms, PublishedApp app, IReadOnlyDictionary<string, PublishedApp> platformApps, bool push,
        ArchiveFormat? archive, bool parentDockerfile)
    {
        var list = string.Join(";", platforms);
        if (platformApps.Count > 0)
        {
            if (platforms.FirstOrDefault(platform => !platformApps.ContainsKey(platform)) is { } unpublished)
            {
                throw new PipelineImageException(DiagnosticCodes.PlatformsUnsupported, list,
                    $"the app was published for {string.Join(", ", platformApps.Keys.Order(StringComparer.Ordinal))} and not for {unpublished}: publish again, and "
                    + "report it if it persists (the package's targets publish each platform's runtime identifier)");
            }
        }
        else if (app.SelfContained || app.PublishAot || app.SingleFile || app.RuntimeIdentifier.Length > 0)
        {
            var shape = app.PublishAot ? "native AOT" : app.SingleFile ? "single-file" : app.SelfContained ? "self-contained" : "framework-dependent";
            var runsOn = RuntimePlatform(app.RuntimeIdentifier);
            var other = platforms.FirstOrDefault(p => !SameArchitecture(p, runsOn)) ?? platforms[0];
            throw new PipelineImageException(DiagnosticCodes.PlatformsUnsupported, list,
                $"the app is published {shape} for the runtime identifier '{app.RuntimeIdentifier}', whose native code runs on {runsOn} only, not on {other}, "
                + "and was not published for each platform: the package's targets publish once per platform when SelfContained, PublishAot, "
                + "PublishSingleFile, PublishReadyToRun or RuntimeIdentifier is set in the project or on the command line, not in a target; set it there, "
                + "or publish framework-dependent without a RuntimeIdentifier, whose one publish serves every platform");
        }

        if (archive == ArchiveFormat.Docker)
        {
            throw new PipelineImageException(DiagnosticCodes.PlatformsUnsupported, list, DockerArchiveHoldsOneImage);
        }

        if (!push && archive != ArchiveFormat.Oci)
        {
            throw new PipelineImageException(DiagnosticCodes.PlatformsUnsupported, list,
                "the image index they make lives in a registry or an OCI archive: set PipelineImagePush=true (and PipelineImageRegistry), or "
                + "PipelineImageArchiveOutputPath with PipelineImageArchiveFormat=oci; for an image in the local engine, publish one platform (PipelineImagePlatform)");
        }

        if (parentDockerfile)
        {
            throw new PipelineImageException(DiagnosticCodes.PlatformsUnsupported, list,
                "a parent Dockerfile (PipelineImageParentDockerfile) is built into the engine for its own platform: push the parent as an index and set PipelineImageBase to it");
        }
    }

    /// <summary>What PIMG2050 says of an index in a docker-archive (PipelineImageArchiveFormat=docker, the default).</summary>
    public const string DockerArchiveHoldsOneImage = "a docker-archive (PipelineImageArchiveFormat=docker, the default) holds one image: "
        + "set PipelineImageArchiveFormat=oci to write the index as an OCI image layout, or publish one platform (PipelineImagePlatform) into the docker-archive";

    /// <summary>
    /// Where the requirements bases of a plan with RUN steps go: each platform's is pushed under its content key to the
    /// registry of the image's name, for the assembler to put our layers on, also when the index goes only into an OCI
    /// archive. Without a push that name must name a registry: nothing else says that Docker Hub is meant.
    /// </summary>
    /// <param name="platforms">The platforms (two or more).</param>
    /// <param name="name">The image's name, PipelineImageRegistry's in front.</param>
    /// <param name="push">PipelineImagePush.</param>
    /// <exception cref="PipelineImageException">PIMG2050, naming PipelineImageRegistry.</exception>
    public static void CheckRequirementsBases(IReadOnlyList<string> platforms, string name, bool push)
    {
        if (!push && !(name.Contains('/') && RegistryHost.IsHost(name[..name.IndexOf('/')])))
        {
            throw new PipelineImageException(DiagnosticCodes.PlatformsUnsupported, string.Join(";", platforms),
                $"the RUN steps (@(PipelineRequirement), @(PipelineImageIntegration)) make a requirements base for each platform, which is pushed under its "
                + $"content key to the registry of the image's name, and '{name}' names none: set PipelineImageRegistry to the registry that keeps them");
        }
    }

    /// <summary>A directory name for a platform: <c>linux-arm64-v8</c> for <c>linux/arm64/v8</c>.</summary>
    public static string DirectoryName(string platform) => platform.Replace('/', '-');

    // linux-x64 -> linux/amd64; what the runtime identifier's native code runs on.
    private static string RuntimePlatform(string runtimeIdentifier)
    {
        var architecture = runtimeIdentifier[(runtimeIdentifier.LastIndexOf('-') + 1)..];
        return "linux/" + architecture switch
        {
            "x64" => "amd64",
            "arm64" => "arm64",
            "arm" => "arm",
            "x86" => "386",
            _ => architecture,
        };
    }

    private static bool SameArchitecture(string platform, string other) =>
        platform.Split('/').Take(2).SequenceEqual(other.Split('/').Take(2), StringComparer.Ordinal);
}
