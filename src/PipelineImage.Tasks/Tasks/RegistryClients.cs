using PipelineImage.Registry;

namespace PipelineImage.Tasks;

/// <summary>
/// One <see cref="RegistryClient"/> a registry for a task, each with its credential found as the docker CLI finds it
/// (where it came from is logged, never the secret), all disposed with this.
/// </summary>
/// <param name="config">The docker CLI's config.json.</param>
/// <param name="environment">Reads an environment variable, as the credential resolver may for this registry.</param>
/// <param name="log">Where the credential's source and the clients' retries go.</param>
/// <param name="retryDelays">The wait before each retry of a transient failure.</param>
/// <param name="cancellationToken">Stops a credential helper.</param>
internal sealed class RegistryClients(
    DockerConfig config, Func<string, Func<string, string?>> environment, Action<string> log, IReadOnlyList<TimeSpan> retryDelays, CancellationToken cancellationToken)
    : IDisposable
{
    private readonly Dictionary<string, (RegistryClient Client, ResolvedCredential Credential)> clients = new(StringComparer.Ordinal);

    /// <summary>The client of a registry host.</summary>
    public RegistryClient For(string registry) => Get(registry).Client;

    /// <summary>Where the credential of a registry came from, for errors.</summary>
    public string CredentialSource(string registry) => Get(registry).Credential.Source;

    public void Dispose()
    {
        foreach (var (client, _) in clients.Values)
        {
            client.Dispose();
        }
    }

    private (RegistryClient Client, ResolvedCredential Credential) Get(string registry)
    {
        if (!clients.TryGetValue(registry, out var entry))
        {
            var credential = CredentialResolver.Resolve(registry, config, environment(registry),
                (helper, server) => CredentialHelperProcess.Get(helper, server, cancellationToken));
            log($"Credentials for {registry}: {(credential.Credential is null ? credential.Source : "from " + credential.Source)}");
            entry = (new RegistryClient(registry, credential.Credential, log, retryDelays), credential);
            clients[registry] = entry;
        }

        return entry;
    }
}
