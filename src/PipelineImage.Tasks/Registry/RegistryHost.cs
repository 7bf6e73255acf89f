namespace PipelineImage.Registry;

/// <summary>Which registry an image reference lives in, and how config.json keys name registries, as the docker CLI reads them.</summary>
internal static class RegistryHost
{
    /// <summary>Docker Hub, for references without a registry part (<c>ubuntu</c>, <c>team/app</c>).</summary>
    public const string DockerHub = "docker.io";

    /// <summary>The key under which the docker CLI stores Docker Hub credentials, and asks helpers for them.</summary>
    public const string DockerHubServerUrl = "https://index.docker.io/v1/";

    private static readonly string[] DockerHubAliases = ["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"];

    /// <summary>
    /// The registry of a reference: its first path component when that holds a <c>.</c> or a <c>:</c> or is
    /// <c>localhost</c>, else Docker Hub.
    /// </summary>
    public static string Of(string reference)
    {
        var slash = reference.IndexOf('/');
        if (slash < 0)
        {
            return DockerHub;
        }

        var first = reference[..slash];
        return IsHost(first) ? Normalize(first) : DockerHub;
    }

    /// <summary>
    /// Whether a reference's first path component names a registry host (it holds a <c>.</c> or a <c>:</c>, or is
    /// <c>localhost</c>) rather than a Docker Hub namespace.
    /// </summary>
    public static bool IsHost(string component) => component.Contains('.') || component.Contains(':') || component == "localhost";

    /// <summary>
    /// A registry as config.json keys are compared: without scheme and path, lower-case, Docker Hub's aliases as
    /// <see cref="DockerHub"/> (so <c>https://index.docker.io/v1/</c>, <c>docker.io</c> and <c>registry-1.docker.io</c> agree).
    /// </summary>
    public static string Normalize(string key)
    {
        var host = key.Trim();
        foreach (var scheme in new[] { "https://", "http://" })
        {
            if (host.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            {
                host = host[scheme.Length..];
            }
        }

        var slash = host.IndexOf('/');
        host = (slash >= 0 ? host[..slash] : host).ToLowerInvariant();
        return DockerHubAliases.Contains(host) ? DockerHub : host;
    }

    /// <summary>The server URL credential helpers are asked about: Docker Hub's legacy URL, else the host itself.</summary>
    public static string ServerUrl(string registry) => registry == DockerHub ? DockerHubServerUrl : registry;
}
