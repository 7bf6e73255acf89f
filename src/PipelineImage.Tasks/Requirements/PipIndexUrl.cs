namespace PipelineImage.Requirements;

/// <summary>
/// URLs for pip's <c>--index-url</c>, <c>--extra-index-url</c> and <c>--find-links</c>: absolute <c>http</c>,
/// <c>https</c> or <c>file</c> URLs of ASCII letters, digits and <c>-._~:/?&amp;=%+,[]</c>. Not accepted: white
/// space, quotes, <c>$</c>, <c>;</c>, <c>#</c>, parentheses and <c>@</c>, so also no <c>user:password@</c>:
/// credentials would be written into the Dockerfile under obj/ and into the image's history, readable by anyone
/// who can pull the image.
/// </summary>
internal static class PipIndexUrl
{
    private const string Allowed = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:/?&=%+,[]";

    /// <returns>Null for a usable URL, else what is wrong with it.</returns>
    public static string? Problem(string url)
    {
        var problem = Grammar.Common(url);
        if (problem is null && url.Contains('@', StringComparison.Ordinal))
        {
            return "it has '@': credentials in the URL would be stored in the Dockerfile and the image history; use an index that needs none from the build, or a find-links directory";
        }

        problem ??= Grammar.Disallowed(url, Allowed);
        if (problem is not null)
        {
            return problem;
        }

        // The scheme must be written out: on Unix, Uri also takes "/simple" for an absolute file URL.
        var colon = url.IndexOf(':', StringComparison.Ordinal);
        var scheme = colon > 0 ? url[..colon].ToLowerInvariant() : "";
        if (scheme is not ("http" or "https" or "file"))
        {
            return colon > 0 && Uri.TryCreate(url, UriKind.Absolute, out _)
                ? $"its scheme is '{url[..colon]}'; use http, https or file"
                : "it is not an absolute http, https or file URL";
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != scheme)
        {
            return "it is not an absolute http, https or file URL";
        }

        if (uri.Scheme != "file" && uri.Host.Length == 0)
        {
            return "it has no host";
        }

        return null;
    }

    /// <summary>The <c>--trusted-host</c> value an http URL needs (host, or host:port), else null.</summary>
    public static string? TrustedHost(string url)
    {
        var uri = new Uri(url, UriKind.Absolute);
        return uri.Scheme == "http" ? uri.Authority : null;
    }
}
