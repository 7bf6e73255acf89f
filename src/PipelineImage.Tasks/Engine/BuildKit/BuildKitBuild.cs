using System.Security.Cryptography;
using System.Text;
using PipelineImage.Session;

namespace PipelineImage.Engine.BuildKit;

/// <summary>
/// What every BuildKit build does around its request, whichever way it reaches BuildKit (the Engine API's
/// <c>POST /build?version=2</c> or the Control API's Solve): the session's services (the context through FileSync,
/// secrets, registry credentials), BuildKit's progress as build events, and the one failure they end in.
/// </summary>
internal static class BuildKitBuild
{
    /// <summary>Runs <paramref name="build"/> with the session's services and the progress it reports into.</summary>
    /// <exception cref="Diagnostics.PipelineImageException">PIMG1003 when the build failed.</exception>
    public static async Task<BuildEventLog> RunAsync(BuildRequest request, Action<string> output, Func<SessionServices, BuildKitProgress, BuildEventLog, Task> build)
    {
        var files = new FileSync(request.Context);
        var log = new BuildEventLog(output);
        var progress = new BuildKitProgress(log);
        await build(Services(request.Options, files), progress, log).ConfigureAwait(false);
        progress.Complete();
        output($"Context through the session: sent {files.FilesSent} of {files.FilesOffered} file(s), {files.BytesSent} bytes; "
            + "the builder kept the others from its last build of this image.");
        return log.Failure() is { } failure ? throw failure : log;
    }

    /// <summary>What BuildKit keys a session's local files by: one per image and Dockerfile, whatever the session.</summary>
    public static string SharedKey(BuildRequest request) => Convert.ToHexString(SHA256.HashData(
        Encoding.UTF8.GetBytes(request.References[0].Name + "\n" + request.DockerfilePath)))[..32].ToLowerInvariant();

    private static SessionServices Services(BuildOptions options, FileSync files)
    {
        var secrets = (options.Secrets ?? []).ToDictionary(secret => secret.Id, secret => secret.Value, StringComparer.Ordinal);
        Func<string, CancellationToken, Task<(string, string)?>>? credentials = options.Credentials is { } resolve
            ? (host, _) => Task.FromResult(resolve(host) is { } found
                ? found.IdentityToken.Length > 0 ? ("", found.IdentityToken) : (found.Username, found.Password)
                : ((string, string)?)null)
            : null;
        return new SessionServices(secrets, credentials, files);
    }
}
