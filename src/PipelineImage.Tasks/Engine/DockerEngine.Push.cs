using System.Net.Http;
using System.Text;
using System.Text.Json.Nodes;
using PipelineImage.Diagnostics;
using PipelineImage.Naming;
using PipelineImage.Registry;
using PipelineImage.Transport;

namespace PipelineImage.Engine;

/// <summary>POST /images/{name}/push, and what its errors mean.</summary>
internal sealed partial class DockerEngine
{
    public async Task<PushResult> PushAsync(
        ImageReference reference, ResolvedCredential resolved, Action<string> output, CancellationToken cancellationToken)
    {
        var registry = RegistryHost.Of(reference.Name);
        var progress = new PushProgress(output);
        try
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, $"v{_apiVersion}/images/{reference.Name}/push?tag={Uri.EscapeDataString(reference.Tag)}");
            message.Headers.Add("X-Registry-Auth", RegistryAuth(resolved.Credential, registry));
            await ReadLinesAsync(message, progress.Report, status => Classify(reference.ToString(), registry, status, resolved.Source), cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not PipelineImageException)
        {
            throw new EngineRequestFailedException($"push {reference}", EngineFailure.Describe(e, _connectTimeout), e);
        }

        if (progress.Error is not null)
        {
            throw Classify(reference.ToString(), registry, progress.Error, resolved.Source);
        }

        return new PushResult(progress.Digest ?? "", progress.BytesUploaded, progress.LayersPushed, progress.LayersPresent, progress.LayersReported,
            Compressed: await UsesContainerdImageStoreAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// The X-Registry-Auth header as the docker CLI sends it: the credential as JSON (moby's <c>registry.AuthConfig</c>),
    /// base64url with padding; <c>{}</c> without one.
    /// </summary>
    internal static string RegistryAuth(RegistryCredential? credential, string registry)
    {
        var auth = new JsonObject();
        if (credential is not null)
        {
            auth["username"] = credential.Username;
            auth["password"] = credential.Password;
            if (credential.IdentityToken.Length > 0)
            {
                auth["identitytoken"] = credential.IdentityToken;
            }

            auth["serveraddress"] = RegistryHost.ServerUrl(registry);
        }

        return Convert.ToBase64String(Encoding.UTF8.GetBytes(auth.ToJsonString())).Replace('+', '-').Replace('/', '_');
    }

    // What the registry said, as the engine passes it on, decides which error tells the user what to do.
    private static PushFailedException Classify(string reference, string registry, string detail, string credentialSource)
    {
        var text = detail.ToLowerInvariant();
        var resource =
            text.Contains("unauthorized") || text.Contains("authentication required") || text.Contains("denied") || text.Contains("401")
                ? DiagnosticCodes.RegistryUnauthorized
            : text.Contains("x509") || text.Contains("certificate") || text.Contains("tls:") || text.Contains("server gave http response to https client")
                ? DiagnosticCodes.RegistryTlsFailed
            : text.Contains("connection refused") || text.Contains("no such host") || text.Contains("i/o timeout") || text.Contains("dial tcp")
              || text.Contains("network is unreachable")
                ? DiagnosticCodes.RegistryUnreachable
            : DiagnosticCodes.PushFailed;
        return new PushFailedException(resource, reference, registry, detail, credentialSource);
    }
}
