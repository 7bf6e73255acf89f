using Docker.DotNet;
using Docker.DotNet.Models;
using PipelineImage.Diagnostics;
using PipelineImage.Naming;
using PipelineImage.Registry;

namespace PipelineImage.Engine;

/// <summary>POST /images/{name}/push, and what its errors mean.</summary>
public sealed partial class DockerEngine
{
    public async Task<PushResult> PushAsync(
        ImageReference reference, ResolvedCredential resolved, Action<string> output, CancellationToken cancellationToken)
    {
        var credential = resolved.Credential;
        var client = Client;
        var registry = RegistryHost.Of(reference.Name);
        var auth = credential is null
            ? new AuthConfig()
            : new AuthConfig
            {
                Username = credential.Username,
                Password = credential.Password,
                IdentityToken = credential.IdentityToken.Length > 0 ? credential.IdentityToken : null,
                ServerAddress = RegistryHost.ServerUrl(registry),
            };
        var progress = new PushProgress(output);
        try
        {
            await client.Images.PushImageAsync(reference.Name, new ImagePushParameters { Tag = reference.Tag }, auth, progress, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (DockerApiException e)
        {
            throw Classify(reference.ToString(), registry, $"{(int)e.StatusCode} {e.StatusCode}: {EngineFailure.ApiMessage(e)}", resolved.Source);
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
