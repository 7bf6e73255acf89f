namespace PipelineImage.IntegrationTests.Infrastructure;

/// <summary>
/// The real cosign (3.1, with crane and oras) of the modern engines' root (build/modern-engines.sh), run in its
/// chroot, which sees this machine's /tmp: the tests' verifier of signatures.
/// </summary>
public static class Cosign
{
    private const string Chroot = "/usr/local/libexec/pipelineimage/trixie-chroot";

    /// <summary>Runs a command of the root (cosign, oras, crane) with these variables (the chroot starts from none).</summary>
    public static Task<ProcessResult> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] arguments) =>
        ProcessRunner.RunAsync(Chroot, ["env", .. (environment ?? new Dictionary<string, string>()).Select(variable => $"{variable.Key}={variable.Value}"), .. arguments], "/tmp");

    /// <summary><c>cosign verify</c> of an image by digest with a public key, offline: no transparency log, plain HTTP to the loopback registry.</summary>
    public static Task<ProcessResult> VerifyAsync(string image, string publicKey) =>
        RunAsync(null, "cosign", "verify", "--key", publicKey, "--insecure-ignore-tlog=true", "--allow-http-registry", image);

    /// <summary><c>cosign verify-attestation</c> of a predicate type (<c>cyclonedx</c>, <c>slsaprovenance1</c>), offline as <see cref="VerifyAsync"/>.</summary>
    public static Task<ProcessResult> VerifyAttestationAsync(string image, string publicKey, string type) =>
        RunAsync(null, "cosign", "verify-attestation", "--key", publicKey, "--type", type, "--insecure-ignore-tlog=true", "--allow-http-registry", image);

    /// <summary>
    /// <c>cosign sign</c> of an image by digest with a key, offline: a signing config without a transparency log or a
    /// timestamp authority (cosign 3's way to sign without Rekor).
    /// </summary>
    public static async Task<ProcessResult> SignAsync(string image, string key, string password)
    {
        var config = Path.Combine(Path.GetDirectoryName(key)!, "signing-config.json");
        await File.WriteAllTextAsync(config, """{"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json","rekorTlogConfig":{},"tsaConfig":{}}""");
        return await RunAsync(new Dictionary<string, string> { ["COSIGN_PASSWORD"] = password },
            "cosign", "sign", "--key", key, "--signing-config", config, "--allow-http-registry", "--yes", image);
    }

    /// <summary><c>cosign generate-key-pair</c>: cosign.key and cosign.pub in the directory, encrypted with the password.</summary>
    public static Task<ProcessResult> GenerateKeyPairAsync(string directory, string password) =>
        RunAsync(new Dictionary<string, string> { ["COSIGN_PASSWORD"] = password }, "cosign", "generate-key-pair", "--output-key-prefix", Path.Combine(directory, "cosign"));
}
