using PipelineImage.Diagnostics;
using PipelineImage.Planning;

namespace PipelineImage.Signing;

/// <summary>Where PipelineImageSigningKey's key is: a PipelineImageSecret of that id, else a file.</summary>
internal static class SigningKeys
{
    /// <summary>The signing key, or null when PipelineImageSigningKey is empty.</summary>
    /// <param name="setting">PipelineImageSigningKey: a PipelineImageSecret id, or a file (relative to the project directory).</param>
    /// <param name="secrets">The PipelineImageSecret items: a secret's variable holds the key's text, or its file.</param>
    /// <param name="projectDirectory">Where a relative path starts.</param>
    /// <param name="environment">The environment (COSIGN_PASSWORD, a secret's variable).</param>
    /// <exception cref="PipelineImageException">PIMG2059 naming the setting when the key cannot be read or is of no format read here.</exception>
    public static SigningKey? Load(string setting, IReadOnlyList<SecretItem> secrets, string projectDirectory, Func<string, string?> environment)
    {
        var given = setting.Trim();
        if (given.Length == 0)
        {
            return null;
        }

        var password = environment("COSIGN_PASSWORD");
        if (secrets.FirstOrDefault(secret => secret.Item.Trim() == given) is { } secret)
        {
            var source = $"{given}' (PipelineImageSecret '{given}";
            var text = secret.Environment.Trim() is { Length: > 0 } variable
                ? environment(variable) ?? throw new PipelineImageException(DiagnosticCodes.InvalidSigningKey, source, $"reads the variable {variable}, which is not set: set it to the key's PEM text")
                : ReadFile(source, Path.GetFullPath(Path.Combine(projectDirectory, secret.File.Trim())));
            return SigningKey.Load(source, text, password);
        }

        var path = Path.GetFullPath(Path.Combine(projectDirectory, given));
        return SigningKey.Load(path, ReadFile(path, path), password);
    }

    private static string ReadFile(string source, string path) => File.Exists(path)
        ? File.ReadAllText(path)
        : throw new PipelineImageException(DiagnosticCodes.InvalidSigningKey, source,
            $"names {path}, which does not exist: give the path of the private key (cosign generate-key-pair's cosign.key) or the id of a PipelineImageSecret that holds it");
}
