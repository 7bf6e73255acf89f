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

    /// <summary><c>cosign generate-key-pair</c>: cosign.key and cosign.pub in the directory, encrypted with the password.</summary>
    public static Task<ProcessResult> GenerateKeyPairAsync(string directory, string password) =>
        RunAsync(new Dictionary<string, string> { ["COSIGN_PASSWORD"] = password }, "cosign", "generate-key-pair", "--output-key-prefix", Path.Combine(directory, "cosign"));
}
