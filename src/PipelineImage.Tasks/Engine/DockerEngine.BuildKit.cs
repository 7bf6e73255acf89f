using System.Text;

namespace PipelineImage.Engine;

/// <summary>
/// POST /build?version=2: BuildKit inside the engine, with our session attached: it serves the context (FileSync, so
/// the builder asks only for files that changed since its last build under the same shared key), secrets and registry
/// credentials. Docker.DotNet cannot read its progress (it fails on the first trace message), so
/// every build is our own request over the same address.
/// </summary>
public sealed partial class DockerEngine
{
    private async Task<BuildResult> BuildWithBuildKitAsync(BuildRequest request, Action<string> output, CancellationToken cancellationToken)
    {
        var secrets = (request.Options.Secrets ?? []).ToDictionary(secret => secret.Id, secret => secret.Value, StringComparer.Ordinal);
        Func<string, CancellationToken, Task<(string, string)?>>? credentials = request.Options.Credentials is { } resolve
            ? (host, _) => Task.FromResult(resolve(host) is { } found
                ? found.IdentityToken.Length > 0 ? ("", found.IdentityToken) : (found.Username, found.Password)
                : ((string, string)?)null)
            : null;
        var files = new Session.FileSync(request.Context);
        var services = new Session.SessionServices(secrets, credentials, files);
        var log = new BuildEventLog(output);
        var progress = new BuildKitProgress(log);
        if (request.Options.BuildKitHost is { } host)
        {
            await SolveAsync(host, request, services, log, progress, output, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await using var session = await Session.BuildSession.OpenAsync(new EngineConnection(_endpoint, _tls, _source), _apiVersion, request.References[0].Name,
                SharedKey(request), services, cancellationToken).ConfigureAwait(false);
            await PostBuildAsync(null, $"{BuildQuery(request, "2")}&session={session.Id}&remote=client-session", progress.Report, cancellationToken).ConfigureAwait(false);
        }

        progress.Complete();
        output($"Context through the session: sent {files.FilesSent} of {files.FilesOffered} file(s), {files.BytesSent} bytes; "
            + "the builder kept the others from its last build of this image.");
        if (log.Failure() is { } failure)
        {
            throw failure;
        }

        var imageId = log.ImageId ?? await InspectIdAsync(request.References[0].ToString(), cancellationToken).ConfigureAwait(false);
        return new BuildResult(imageId);
    }

    // The build through BuildKit's Control API at PipelineImageBuildKitHost: a Docker engine's (the image lands in
    // its store under the references, where this engine must find it).
    private async Task SolveAsync(EngineConnection host, BuildRequest request, Session.SessionServices services, BuildEventLog log,
        BuildKitProgress progress, Action<string> output, CancellationToken cancellationToken)
    {
        using var control = await BuildKit.BuildKitControl.ConnectAsync(host, _connectTimeout, cancellationToken).ConfigureAwait(false);
        if (!control.IsEngine)
        {
            throw BuildKit.BuildKitControl.Unavailable(host, "it is a standalone buildkitd, whose image would land in a registry and not in the engine "
                + $"at {_endpoint} that this publish tags and pushes with; only a Docker engine's BuildKit (its POST /grpc) is supported there yet");
        }

        output($"Building through the BuildKit Control API of the Docker engine at {host.Endpoint} (from {host.Source})");
        try
        {
            await control.SolveAsync(request, SharedKey(request), services, progress.Trace, cancellationToken).ConfigureAwait(false);
        }
        catch (Grpc.Core.RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            if (e.StatusCode is Grpc.Core.StatusCode.Unavailable or Grpc.Core.StatusCode.Unimplemented)
            {
                throw BuildKit.BuildKitControl.Unavailable(host, e.Status.Detail, e);
            }

            log.Add(new BuildError(e.Status.Detail.TrimEnd()));
        }
    }

    // What BuildKit keys a session's local files by: one per image and Dockerfile, whatever the session.
    private static string SharedKey(BuildRequest request) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(
        Encoding.UTF8.GetBytes(request.References[0].Name + "\n" + request.DockerfilePath)))[..32].ToLowerInvariant();
}
