using System.Text.RegularExpressions;
using PipelineImage.Diagnostics;

namespace PipelineImage.Engine;

/// <summary>The network mode of a build's RUN steps, as <c>docker build --network</c> takes it.</summary>
internal static partial class BuildNetwork
{
    // default, bridge, host, none, a network name or id, or container:<name|id>: Docker's own name alphabet.
    [GeneratedRegex(@"\A(?:container:)?[A-Za-z0-9][A-Za-z0-9_.-]*\z")]
    private static partial Regex Mode();

    /// <summary>The trimmed mode, or empty for the engine's default.</summary>
    /// <exception cref="PipelineImageException">PIMG2011 when it is not a network mode.</exception>
    public static string Validate(string network)
    {
        var trimmed = network.Trim();
        return trimmed.Length == 0 || Mode().IsMatch(trimmed)
            ? trimmed
            : throw new PipelineImageException(DiagnosticCodes.InvalidBuildNetwork, network);
    }
}
