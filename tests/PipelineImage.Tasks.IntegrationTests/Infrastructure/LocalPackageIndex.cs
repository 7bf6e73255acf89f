using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace PipelineImage.IntegrationTests.Infrastructure;

/// <summary>
/// A PEP 503 "simple" package index on 127.0.0.1, serving real wheels built here (PyPI cannot be reached from the
/// test machine). A build reaches it from its RUN steps with network mode host. Disposing it stops the server.
/// </summary>
public sealed class LocalPackageIndex : IAsyncDisposable
{
    private const string WheelType = "application/octet-stream";

    private readonly HttpListener _listener = new();
    private readonly Dictionary<string, (string FileName, byte[] Bytes)> _wheels = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> _files = new(StringComparer.Ordinal);
    private readonly Task _serving;
    private readonly string? _authorization;

    /// <param name="wheels">Each wheel: distribution name, version and the text of its one module.</param>
    public LocalPackageIndex(params (string Name, string Version, string Module)[] wheels)
        : this(null, wheels)
    {
    }

    /// <param name="basicAuth">The user and password every request must bring (HTTP basic), or null for none.</param>
    /// <param name="wheels">Each wheel: distribution name, version and the text of its one module.</param>
    public LocalPackageIndex((string User, string Password)? basicAuth, params (string Name, string Version, string Module)[] wheels)
    {
        _authorization = basicAuth is { } auth ? "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{auth.User}:{auth.Password}")) : null;
        foreach (var (name, version, module) in wheels)
        {
            var fileName = $"{name.Replace('-', '_')}-{version}-py3-none-any.whl";
            _wheels[Normalize(name)] = (fileName, Wheel(name, version, module));
        }

        var port = FreePort();
        Url = $"http://127.0.0.1:{port}/simple/";
        Root = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    /// <summary>The index URL, for pip's <c>--index-url</c>.</summary>
    public string Url { get; }

    /// <summary>The server's root, where <see cref="Serve"/>'s files are.</summary>
    public string Root { get; }

    /// <summary>Serves the bytes at the path (under the same credentials), beside the index: an apt repository, say.</summary>
    public void Serve(string path, byte[] bytes) => _files[path] = bytes;

    /// <summary>How many wheel downloads the index served.</summary>
    public int Downloads { get; private set; }

    /// <summary>How many requests it refused for want of the right credentials.</summary>
    public int Refused { get; private set; }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _serving;
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var response = context.Response;
            if (_authorization is not null && context.Request.Headers["Authorization"] != _authorization)
            {
                Refused++;
                response.StatusCode = 401;
                response.Headers["WWW-Authenticate"] = "Basic realm=\"pimg-test-index\"";
                continue;
            }

            var body = Respond(context.Request.Url!.AbsolutePath, out var contentType);
            response.StatusCode = body is null ? 404 : 200;
            response.ContentType = contentType;
            if (contentType == WheelType)
            {
                // As PyPI serves its files: pip's cache keeps a wheel only with a lifetime.
                response.Headers["Cache-Control"] = "max-age=365000000, immutable, public";
            }

            if (body is not null)
            {
                await response.OutputStream.WriteAsync(body);
            }
        }
    }

    // /simple/<normalized name>/ lists the wheel; /files/<its sha256>/<wheel> serves it (a URL for these bytes only: pip's
    // cache, kept across builds in a cache mount, must never give one index's wheel for another's on a port used again);
    // other paths are Serve's.
    private byte[]? Respond(string path, out string contentType)
    {
        contentType = "text/html";
        if (_files.TryGetValue(path, out var served))
        {
            contentType = "application/octet-stream";
            return served;
        }

        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments is ["simple", var name] && _wheels.TryGetValue(Normalize(name), out var wheel))
        {
            var hash = Convert.ToHexStringLower(SHA256.HashData(wheel.Bytes));
            return Encoding.UTF8.GetBytes(
                $"<!DOCTYPE html><html><body><a href=\"/files/{hash}/{wheel.FileName}#sha256={hash}\">{wheel.FileName}</a></body></html>");
        }

        if (segments is ["files", var sha256, var file]
            && _wheels.Values.FirstOrDefault(w => w.FileName == file && Convert.ToHexStringLower(SHA256.HashData(w.Bytes)) == sha256) is { Bytes: not null } wheelFile)
        {
            contentType = WheelType;
            Downloads++;
            return wheelFile.Bytes;
        }

        return null;
    }

    // A wheel as the packaging specs define it: the module, METADATA, WHEEL and a RECORD with each file's hash.
    private static byte[] Wheel(string name, string version, string module)
    {
        var package = name.Replace('-', '_');
        var distInfo = $"{package}-{version}.dist-info";
        var files = new List<(string Path, string Text)>
        {
            ($"{package}/__init__.py", module),
            ($"{distInfo}/METADATA", $"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"),
            ($"{distInfo}/WHEEL", "Wheel-Version: 1.0\nGenerator: pipelineimage-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
        };
        var record = new StringBuilder();
        foreach (var (path, text) in files)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            var hash = Convert.ToBase64String(SHA256.HashData(bytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            record.Append($"{path},sha256={hash},{bytes.Length}\n");
        }

        record.Append($"{distInfo}/RECORD,,\n");
        files.Add(($"{distInfo}/RECORD", record.ToString()));

        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create))
        {
            foreach (var (path, text) in files)
            {
                using var entry = zip.CreateEntry(path).Open();
                entry.Write(Encoding.UTF8.GetBytes(text));
            }
        }

        return stream.ToArray();
    }

    private static string Normalize(string name) => string.Join('-', name.ToLowerInvariant().Split(['-', '_', '.'], StringSplitOptions.RemoveEmptyEntries));

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
