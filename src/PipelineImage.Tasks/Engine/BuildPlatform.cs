using System.Text.RegularExpressions;
using PipelineImage.Diagnostics;

namespace PipelineImage.Engine;

/// <summary>The target platform of a build, <c>os/arch[/variant]</c> as <c>docker build --platform</c> takes it.</summary>
internal static partial class BuildPlatform
{
    [GeneratedRegex(@"\A[a-z0-9_]+/[a-z0-9_]+(?:/[a-z0-9_]+)?\z")]
    private static partial Regex Pattern();

    /// <summary>The trimmed, lower-cased platform, or empty for the engine's own.</summary>
    /// <exception cref="PipelineImageException">PIMG2019 when it is not a platform.</exception>
    public static string Validate(string platform)
    {
        var trimmed = platform.Trim().ToLowerInvariant();
        return trimmed.Length == 0 || Pattern().IsMatch(trimmed)
            ? trimmed
            : throw new PipelineImageException(DiagnosticCodes.InvalidPlatform, platform);
    }

    /// <summary>
    /// Whether the classic builder of an engine on <paramref name="enginePlatform"/> (<c>os/arch</c>) can build for
    /// <paramref name="platform"/>: only its own OS and architecture, as RUN steps execute on the engine's machine.
    /// </summary>
    public static bool CanBuild(string enginePlatform, string platform)
    {
        var wanted = platform.Split('/');
        var engine = enginePlatform.ToLowerInvariant().Split('/');
        return engine.Length >= 2 && wanted[0] == engine[0] && Arch(wanted[1]) == Arch(engine[1]);
    }

    /// <summary>Whether two platforms (<c>os/arch[/variant]</c>) have the same OS.</summary>
    public static bool SameOs(string enginePlatform, string platform) =>
        string.Equals(enginePlatform.Split('/')[0], platform.Split('/')[0], StringComparison.OrdinalIgnoreCase);

    private static string Arch(string arch) => arch switch
    {
        "x86_64" or "x86-64" => "amd64",
        "aarch64" => "arm64",
        _ => arch,
    };
}
