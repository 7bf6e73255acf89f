using PipelineImage.Diagnostics;

namespace PipelineImage.Registry;

/// <summary>
/// One <see cref="RegistryClient"/> a registry for a task (or what it calls), each with its credential found as the docker CLI finds it
/// (where it came from is logged, never the secret), all disposed with this.
/// </summary>
/// <param name="config">The docker CLI's config.json.</param>
/// <param name="environment">Reads an environment variable, as the credential resolver may for this registry.</param>
/// <param name="log">Where the credential's source and the clients' retries go.</param>
/// <param name="retryDelays">The wait before each retry of a transient failure.</param>
/// <param name="cancellationToken">Stops a credential helper.</param>
/// <param name="handler">Carries the requests: the network, or a test's registry.</param>
internal sealed class RegistryClients(
    DockerConfig config, Func<string, Func<string, string?>> environment, Action<string> log, IReadOnlyList<TimeSpan> retryDelays, CancellationToken cancellationToken,
    HttpMessageHandler? handler = null)
    : IDisposable
{
    private readonly Dictionary<string, ResolvedCredential> credentials = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RegistryClient> clients = new(StringComparer.Ordinal);

    /// <summary>The waits before the retries of a request a registry failed transiently: 1, 2 and 4 s.</summary>
    public static readonly IReadOnlyList<TimeSpan> DefaultRetryDelays = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4)];

    /// <summary>The client of a registry host.</summary>
    public RegistryClient For(string registry)
    {
        if (!clients.TryGetValue(registry, out var client))
        {
            client = new RegistryClient(registry, Credential(registry).Credential, log, retryDelays, handler);
            clients[registry] = client;
        }

        return client;
    }

    /// <summary>The credential of a registry host, found once (an engine's push takes it too).</summary>
    public ResolvedCredential Credential(string registry)
    {
        if (!credentials.TryGetValue(registry, out var credential))
        {
            credential = CredentialResolver.Resolve(registry, config, environment(registry),
                (helper, server) => CredentialHelperProcess.Get(helper, server, cancellationToken));
            log($"Credentials for {registry}: {(credential.Credential is null ? credential.Source : "from " + credential.Source)}");
            credentials[registry] = credential;
        }

        return credential;
    }

    // The one place a failed registry request becomes a PIMG error: Failure for what we push (or look up where we push),
    // BaseFailure for what is read of a base image.

    /// <summary>
    /// The PIMG error of a registry request that failed for <paramref name="subject"/>, a reference pushed or looked up
    /// where it is pushed: PIMG1016 unreachable, PIMG1017 TLS, PIMG1007 refused (naming where the credential came from),
    /// else PIMG1011.
    /// </summary>
    public PipelineImageException Failure(RegistryException e, string subject) => e.Failure switch
    {
        RegistryFailure.Unreachable => new PipelineImageException(e, DiagnosticCodes.RegistryUnreachableFromHere, subject, e.Registry, e.Message),
        RegistryFailure.Tls => new PipelineImageException(e, DiagnosticCodes.RegistryTlsFailedFromHere, subject, e.Registry, e.Message),
        RegistryFailure.Unauthorized => new PipelineImageException(e, DiagnosticCodes.RegistryUnauthorized, subject, e.Registry, e.Message, Credential(e.Registry).Source),
        _ => new PipelineImageException(e, DiagnosticCodes.PushFailed, subject, e.Registry, e.Message, Credential(e.Registry).Source),
    };

    /// <summary>
    /// The PIMG error of a request that failed reading the base image <paramref name="baseImage"/> (its manifest,
    /// configuration or a layer) from its registry: PIMG1018 whatever the failure, which says how the base is found.
    /// </summary>
    public static PipelineImageException BaseFailure(RegistryException e, string baseImage) =>
        new(e, DiagnosticCodes.BaseImageUnreadable, baseImage, e.Registry, e.Message);

    public void Dispose()
    {
        foreach (var client in clients.Values)
        {
            client.Dispose();
        }
    }
}
