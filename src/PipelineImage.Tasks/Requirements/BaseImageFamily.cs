using System.Text.RegularExpressions;

namespace PipelineImage.Requirements;

/// <summary>What the base image's reference tells about it.</summary>
/// <param name="Family">Its distribution family, <see cref="OsFamily.Unknown"/> when the reference does not tell.</param>
/// <param name="HasPython">It has <c>python3</c> with <c>venv</c> already (the <c>python</c> images).</param>
internal sealed record BaseImageTraits(OsFamily Family, bool HasPython);

/// <summary>
/// Guesses a base image's distribution from its reference alone (no registry is asked):
/// <list type="bullet">
/// <item><c>mcr.microsoft.com/dotnet/*</c>: by the tag. <c>chiseled</c> or <c>distroless</c> in it: distroless;
/// <c>alpine</c>: Alpine; <c>azurelinux</c> or <c>mariner</c>: Azure Linux; a Debian or Ubuntu code name
/// (<c>bookworm</c>, <c>noble</c>, <c>jammy</c>...) or no suffix at all (<c>10.0</c>, <c>10.0.1</c>,
/// <c>10.0-preview.1</c>, <c>latest</c>, no tag): Debian/Ubuntu.</item>
/// <item><c>mcr.microsoft.com/azurelinux/base/*</c> and <c>mcr.microsoft.com/cbl-mariner/base/*</c>: Azure Linux;
/// their <c>distroless/*</c> and <c>gcr.io/distroless/*</c>: distroless.</item>
/// <item>Docker Hub's official <c>debian</c>, <c>ubuntu</c>, <c>buildpack-deps</c> (Debian), <c>alpine</c> (Alpine)
/// and <c>python</c> (Debian, Alpine for <c>alpine</c> tags; Python included), also through the
/// <c>docker.io/library/</c>, <c>public.ecr.aws/docker/library/</c> and
/// <c>mcr.microsoft.com/mirror/docker/library/</c> prefixes.</item>
/// </list>
/// Anything else, a Windows tag (<c>nanoserver</c>, <c>windowsservercore</c>) and a digest without a tag are
/// unknown: the user sets PipelineImageOsPackageManager.
/// </summary>
internal static partial class BaseImageFamily
{
    private static readonly string[] DebianCodeNames =
        ["buster", "bullseye", "bookworm", "trixie", "forky", "focal", "jammy", "noble", "oracular", "plucky", "questing"];

    private static readonly string[] DockerHubPrefixes =
    [
        "docker.io/library/", "index.docker.io/library/", "registry-1.docker.io/library/",
        "docker.io/", "library/", "public.ecr.aws/docker/library/", "mcr.microsoft.com/mirror/docker/library/",
    ];

    // A .NET tag without an OS suffix: the default Debian (up to .NET 9) or Ubuntu (.NET 10 on) image.
    [GeneratedRegex(@"\A(?:latest|[0-9]+(?:\.[0-9]+)*(?:-(?:preview|rc)(?:\.[0-9]+)*)?)\z")]
    private static partial Regex PlainDotnetTag();

    public static BaseImageTraits Detect(string baseImage)
    {
        var parts = Naming.ReferenceParts.Split(baseImage.Trim().ToLowerInvariant()); // tags are compared case-insensitively
        var (repository, tag, hasDigest) = (parts.Name, parts.Tag ?? "", parts.Digest is not null);
        if (tag.Length == 0 && hasDigest)
        {
            return new(OsFamily.Unknown, false);
        }

        if (tag.Contains("nanoserver", StringComparison.Ordinal) || tag.Contains("windowsservercore", StringComparison.Ordinal))
        {
            return new(OsFamily.Unknown, false);
        }

        if (repository.StartsWith("mcr.microsoft.com/dotnet/", StringComparison.Ordinal))
        {
            return new(DotnetFamily(tag), false);
        }

        if (repository.StartsWith("gcr.io/distroless/", StringComparison.Ordinal)
            || repository.StartsWith("mcr.microsoft.com/azurelinux/distroless/", StringComparison.Ordinal)
            || repository.StartsWith("mcr.microsoft.com/cbl-mariner/distroless/", StringComparison.Ordinal))
        {
            return new(OsFamily.Distroless, false);
        }

        if (repository.StartsWith("mcr.microsoft.com/azurelinux/base/", StringComparison.Ordinal)
            || repository.StartsWith("mcr.microsoft.com/cbl-mariner/base/", StringComparison.Ordinal))
        {
            return new(OsFamily.AzureLinux, repository.EndsWith("/python", StringComparison.Ordinal));
        }

        var official = DockerHubPrefixes.FirstOrDefault(prefix => repository.StartsWith(prefix, StringComparison.Ordinal)) is { } p
            ? repository[p.Length..]
            : repository;
        return official switch
        {
            "debian" or "ubuntu" or "buildpack-deps" => new(OsFamily.Debian, false),
            "alpine" => new(OsFamily.Alpine, false),
            "python" => new(tag.Contains("alpine", StringComparison.Ordinal) ? OsFamily.Alpine : OsFamily.Debian, true),
            _ => new(OsFamily.Unknown, false),
        };
    }

    private static OsFamily DotnetFamily(string tag)
    {
        if (tag.Contains("chiseled", StringComparison.Ordinal) || tag.Contains("distroless", StringComparison.Ordinal))
        {
            return OsFamily.Distroless;
        }

        if (tag.Contains("alpine", StringComparison.Ordinal))
        {
            return OsFamily.Alpine;
        }

        if (tag.Contains("azurelinux", StringComparison.Ordinal) || tag.Contains("mariner", StringComparison.Ordinal))
        {
            return OsFamily.AzureLinux;
        }

        if (tag.Length == 0 || PlainDotnetTag().IsMatch(tag)
            || tag.Split('-').Any(part => DebianCodeNames.Contains(part, StringComparer.Ordinal)))
        {
            return OsFamily.Debian;
        }

        return OsFamily.Unknown;
    }
}
