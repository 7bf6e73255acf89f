using System.Text;

namespace PipelineImage.Engine;

/// <summary>
/// POST /build?version=2: BuildKit inside the engine, with the tar context as the body and our session (secrets,
/// registry credentials) attached. Docker.DotNet cannot read its progress (it fails on the first trace message), so
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
        await using var session = await Session.BuildSession.OpenAsync(Http, _apiVersion, request.References[0].Name,
            SharedKey(request), new Session.SessionServices(secrets, credentials), cancellationToken).ConfigureAwait(false);
        var log = new BuildEventLog(output);
        var progress = new BuildKitProgress(log);
        await PostBuildAsync(request.Context, $"{BuildQuery(request, "2")}&session={session.Id}", progress.Report, cancellationToken).ConfigureAwait(false);
        progress.Complete();
        if (log.Failure() is { } failure)
        {
            throw failure;
        }

        var imageId = log.ImageId ?? await InspectIdAsync(request.References[0].ToString(), cancellationToken).ConfigureAwait(false);
        return new BuildResult(imageId);
    }

    // What BuildKit keys a session's local files by: one per image and Dockerfile, whatever the session.
    private static string SharedKey(BuildRequest request) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(
        Encoding.UTF8.GetBytes(request.References[0].Name + "\n" + request.DockerfilePath)))[..32].ToLowerInvariant();
}
