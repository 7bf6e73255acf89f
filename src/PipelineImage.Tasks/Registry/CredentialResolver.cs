using System.Text.Json;
using PipelineImage.Diagnostics;

namespace PipelineImage.Registry;

/// <summary>
/// Finds the credentials for a registry as the docker CLI does, after the CI environment variables:
/// <list type="number">
/// <item><c>PIPELINEIMAGE_REGISTRY_USERNAME</c> and <c>PIPELINEIMAGE_REGISTRY_PASSWORD</c> (both set; for every registry);</item>
/// <item>the config's <c>credHelpers</c> entry for the registry;</item>
/// <item>its <c>credsStore</c>;</item>
/// <item>its <c>auths</c> entry.</item>
/// </list>
/// A helper is run as <c>docker-credential-&lt;name&gt; get</c> with the server URL on stdin (the credential helper
/// protocol); a helper that knows no credential for the registry means none.
/// </summary>
internal static class CredentialResolver
{
    public const string UsernameVariable = "PIPELINEIMAGE_REGISTRY_USERNAME";
    public const string PasswordVariable = "PIPELINEIMAGE_REGISTRY_PASSWORD";

    /// <param name="registry">The registry, normalized (<see cref="RegistryHost.Of"/>).</param>
    /// <param name="config">The docker config.</param>
    /// <param name="environment">Reads an environment variable.</param>
    /// <param name="runHelper">
    /// Runs <c>docker-credential-&lt;helper&gt; get</c> with the server URL on stdin: its stdout, or null when it
    /// exited with an error (such as "credentials not found").
    /// </param>
    /// <exception cref="PipelineImageException">PIMG1010 when a helper's answer is not the protocol's JSON.</exception>
    public static ResolvedCredential Resolve(
        string registry, DockerConfig config, Func<string, string?> environment, Func<string, string, string?> runHelper)
    {
        var username = environment(UsernameVariable);
        var password = environment(PasswordVariable);
        if (!string.IsNullOrEmpty(username) && !string.IsNullOrEmpty(password))
        {
            return new ResolvedCredential(new RegistryCredential(username, password), $"the {UsernameVariable} and {PasswordVariable} environment variables");
        }

        var configName = config.Path.Length > 0 ? config.Path : "no docker config.json";
        string? helper = null;
        string? helperSource = null;
        if (config.CredHelpers.TryGetValue(registry, out var named))
        {
            (helper, helperSource) = (named, $"credHelpers of {configName}");
        }
        else if (config.CredsStore.Length > 0)
        {
            (helper, helperSource) = (config.CredsStore, $"credsStore of {configName}");
        }

        if (helper is not null)
        {
            var serverUrl = RegistryHost.ServerUrl(registry);
            var answer = runHelper(helper, serverUrl);
            var source = $"docker-credential-{helper} ({helperSource})";
            if (answer is not null)
            {
                return new ResolvedCredential(FromHelper(answer, helper), source);
            }

            // As the docker CLI: a store that knows nothing of this registry falls back to the file's auths.
            if (!config.Auths.ContainsKey(registry))
            {
                return new ResolvedCredential(null, $"{source}, which has none for {serverUrl}");
            }
        }

        return config.Auths.TryGetValue(registry, out var stored)
            ? new ResolvedCredential(stored, $"auths of {configName}")
            : new ResolvedCredential(null, $"none found: not in the {UsernameVariable}/{PasswordVariable} environment variables nor in {configName}");
    }

    private static RegistryCredential FromHelper(string json, string helper)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var username = document.RootElement.TryGetProperty("Username", out var u) ? u.GetString() ?? "" : "";
            var secret = document.RootElement.TryGetProperty("Secret", out var s) ? s.GetString() ?? "" : "";
            // "<token>" is the protocol's user name for an identity token.
            return username == "<token>" ? new RegistryCredential("", "", secret) : new RegistryCredential(username, secret);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new PipelineImageException(e, DiagnosticCodes.CredentialHelperFailed, helper, "its answer is not the JSON of the credential helper protocol");
        }
    }

    /// <summary>
    /// The environment a registry's credential may be read from: the PIPELINEIMAGE_REGISTRY_* variables only for
    /// <paramref name="ours"/>, the registry the image is pushed to, whose they are; every other variable for any.
    /// </summary>
    public static Func<string, string?> EnvironmentFor(string registry, string ours) =>
        name => registry == ours || (name != UsernameVariable && name != PasswordVariable) ? Environment.GetEnvironmentVariable(name) : null;

    /// <summary>
    /// What a builder pulls base images with: config.json and its helpers for any registry, as the docker CLI gives
    /// them, and the PIPELINEIMAGE_REGISTRY_* variables for <paramref name="ours"/> alone; each answer's source is
    /// logged, never the secret.
    /// </summary>
    public static Func<string, RegistryCredential?> ForBuilder(DockerConfig config, string ours, Action<string> log, CancellationToken cancellationToken) =>
        host =>
        {
            var registry = RegistryHost.Of(host + "/x");
            var resolved = Resolve(registry, config, EnvironmentFor(registry, ours), (helper, server) => CredentialHelperProcess.Get(helper, server, cancellationToken));
            log($"The builder asked for credentials for {host}: {(resolved.Credential is null ? resolved.Source : "from " + resolved.Source)}");
            return resolved.Credential;
        };
}
