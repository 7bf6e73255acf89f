using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace PipelineImage.Engine;

/// <summary>
/// POST /build?version=2: BuildKit inside the engine, with the tar context as the body and our session (secrets,
/// registry credentials) attached. Docker.DotNet cannot read its progress (it fails on the first trace message), so
/// this one request has a client of its own over the same address.
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
        await SendContextAsync(request.Context, async body =>
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, $"v{_apiVersion}/build?{BuildKitQuery(request)}&session={session.Id}")
            {
                Content = new StreamContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/x-tar") } },
            };
            using var response = await Http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            if (!response.IsSuccessStatusCode)
            {
                var text = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
                throw new EngineRequestFailedException("build", $"{(int)response.StatusCode} {response.StatusCode}: {EngineFailure.ApiMessage(text)}");
            }

            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                if (line.Length > 0)
                {
                    progress.Report(line);
                }
            }
        }, cancellationToken).ConfigureAwait(false);

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

    // The query of the Engine API's build endpoint, as the docker CLI sends it.
    private static string BuildKitQuery(BuildRequest request)
    {
        var query = new List<string> { "version=2", "rm=1", "forcerm=1", "dockerfile=" + Uri.EscapeDataString(request.DockerfilePath) };
        query.AddRange(request.References.Select(reference => "t=" + Uri.EscapeDataString(reference.ToString())));
        var options = request.Options;
        if (options.Network.Length > 0)
        {
            query.Add("networkmode=" + Uri.EscapeDataString(options.Network));
        }

        if (options.Platform.Length > 0)
        {
            query.Add("platform=" + Uri.EscapeDataString(options.Platform));
        }

        if (options.PullAlways)
        {
            query.Add("pull=1");
        }

        if (options.NoCache)
        {
            query.Add("nocache=1");
        }

        if (options.BuildArgs is { Count: > 0 } buildArgs)
        {
            query.Add("buildargs=" + Uri.EscapeDataString(JsonSerializer.Serialize(buildArgs)));
        }

        if (request.Labels is { Count: > 0 } labels)
        {
            query.Add("labels=" + Uri.EscapeDataString(JsonSerializer.Serialize(labels)));
        }

        return string.Join('&', query);
    }
}
