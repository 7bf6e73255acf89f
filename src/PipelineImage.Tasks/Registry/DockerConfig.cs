using System.Text;
using System.Text.Json;
using PipelineImage.Diagnostics;

namespace PipelineImage.Registry;

/// <summary>
/// The parts of the docker CLI's <c>config.json</c> that say where credentials are: <c>auths</c> (base64
/// <c>user:password</c> in <c>auth</c>, or <c>identitytoken</c>), <c>credHelpers</c> (a helper per registry) and
/// <c>credsStore</c> (the helper for all others), plus <c>currentContext</c>.
/// </summary>
/// <param name="Path">The file it was read from, for messages; empty when there is none.</param>
/// <param name="Auths">Stored credentials by registry (normalized).</param>
/// <param name="CredHelpers">Credential helper names by registry (normalized).</param>
/// <param name="CredsStore">The helper for registries without their own; empty: none.</param>
/// <param name="CurrentContext">The Docker context in use; empty: the default.</param>
internal sealed record DockerConfig(
    string Path,
    IReadOnlyDictionary<string, RegistryCredential> Auths,
    IReadOnlyDictionary<string, string> CredHelpers,
    string CredsStore,
    string CurrentContext)
{
    public static DockerConfig Empty { get; } = new("", new Dictionary<string, RegistryCredential>(), new Dictionary<string, string>(), "", "");

    /// <summary>The config directory: DOCKER_CONFIG, else <c>.docker</c> in the home directory.</summary>
    public static string Directory(string? dockerConfigVariable, string home) =>
        string.IsNullOrWhiteSpace(dockerConfigVariable) ? System.IO.Path.Combine(home, ".docker") : dockerConfigVariable.Trim();

    /// <summary>Parses config.json; registry keys are normalized with <see cref="RegistryHost.Normalize"/>.</summary>
    /// <exception cref="PipelineImageException">PIMG2025 when it is not a JSON object of that shape; the message never holds its contents.</exception>
    public static DockerConfig Parse(string json, string path)
    {
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new PipelineImageException(DiagnosticCodes.InvalidDockerConfig, path, "it is not a JSON object");
            }

            var auths = new Dictionary<string, RegistryCredential>(StringComparer.Ordinal);
            if (root.TryGetProperty("auths", out var authsElement) && authsElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var entry in authsElement.EnumerateObject())
                {
                    if (Credential(entry.Value, path, entry.Name) is { } credential)
                    {
                        auths[RegistryHost.Normalize(entry.Name)] = credential;
                    }
                }
            }

            var helpers = new Dictionary<string, string>(StringComparer.Ordinal);
            if (root.TryGetProperty("credHelpers", out var helpersElement) && helpersElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var entry in helpersElement.EnumerateObject().Where(e => e.Value.ValueKind == JsonValueKind.String))
                {
                    helpers[RegistryHost.Normalize(entry.Name)] = entry.Value.GetString()!;
                }
            }

            return new DockerConfig(path, auths, helpers, String(root, "credsStore"), String(root, "currentContext"));
        }
        catch (JsonException e)
        {
            throw new PipelineImageException(e, DiagnosticCodes.InvalidDockerConfig, path, $"it is not valid JSON (line {e.LineNumber + 1})");
        }
    }

    private static RegistryCredential? Credential(JsonElement entry, string path, string registry)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var identityToken = String(entry, "identitytoken");
        var auth = String(entry, "auth");
        if (auth.Length > 0)
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth));
            }
            catch (FormatException)
            {
                throw new PipelineImageException(DiagnosticCodes.InvalidDockerConfig, path, $"the auth of '{registry}' is not base64");
            }

            var colon = decoded.IndexOf(':');
            if (colon < 0)
            {
                throw new PipelineImageException(DiagnosticCodes.InvalidDockerConfig, path, $"the auth of '{registry}' is not user:password in base64");
            }

            return new RegistryCredential(decoded[..colon], decoded[(colon + 1)..], identityToken);
        }

        var username = String(entry, "username");
        return username.Length > 0 || identityToken.Length > 0 ? new RegistryCredential(username, String(entry, "password"), identityToken) : null;
    }

    private static string String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";
}
