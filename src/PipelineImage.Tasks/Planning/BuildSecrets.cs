using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using PipelineImage.Diagnostics;

namespace PipelineImage.Planning;

/// <summary>Where a secret's value is read from at build time.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SecretSource>))]
internal enum SecretSource
{
    /// <summary>An environment variable of the build.</summary>
    Environment,

    /// <summary>A file on the building machine.</summary>
    File,
}

/// <param name="Item">The item as the project names it: the secret's id.</param>
/// <param name="Environment">Its Environment metadata: the variable that holds the value.</param>
/// <param name="File">Its File metadata, made absolute against the project directory (empty when not set).</param>
internal sealed record SecretItem(string Item, string Environment = "", string File = "");

/// <summary>
/// A build secret: what <c>RUN --mount=type=secret,id=ID</c> reads. The plan holds where the value is, never the
/// value: it is read when the builder asks for it, through the build's session.
/// </summary>
/// <param name="Id">The id a Dockerfile's secret mount names.</param>
/// <param name="Source">Where the value is.</param>
/// <param name="Location">The variable's name, or the file's absolute path.</param>
internal sealed record PlannedSecret(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("source")] SecretSource Source,
    [property: JsonPropertyName("location")] string Location)
{
    /// <summary>Says where the value is, for messages: never the value.</summary>
    public string Describe() => Source == SecretSource.Environment ? $"environment variable {Location}" : $"file {Location}";
}

/// <summary>@(PipelineImageSecret): each item is one secret, its value in an environment variable or a file.</summary>
internal static partial class BuildSecrets
{
    /// <summary>The secrets in item order; every invalid item is reported (PIMG2031), and every value that is not there (PIMG2032).</summary>
    /// <param name="items">@(PipelineImageSecret).</param>
    /// <param name="environment">The build's environment variables by name.</param>
    /// <exception cref="PipelineImageProblemsException">All problems found.</exception>
    public static IReadOnlyList<PlannedSecret> Plan(IReadOnlyList<SecretItem> items, Func<string, string?> environment)
    {
        var problems = new Problems();
        var planned = new List<PlannedSecret>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var id = item.Item.Trim();
            var variable = item.Environment.Trim();
            var file = item.File.Trim();
            var invalid = !Id().IsMatch(id) ? "the id may hold only letters, digits, '.', '_' and '-', and starts with a letter or digit"
                : !ids.Add(id) ? "another PipelineImageSecret has the same id"
                : variable.Length > 0 && file.Length > 0 ? "it sets both Environment and File"
                : variable.Length == 0 && file.Length == 0 ? "it sets neither Environment (the variable that holds the value) nor File"
                : null;
            if (invalid is not null)
            {
                problems.Add(new PipelineImageException(DiagnosticCodes.InvalidSecret, item.Item, invalid));
                continue;
            }

            var secret = variable.Length > 0
                ? new PlannedSecret(id, SecretSource.Environment, variable)
                : new PlannedSecret(id, SecretSource.File, file);
            problems.Check(() => Read(secret, environment));
            planned.Add(secret);
        }

        problems.ThrowIfAny();
        return planned;
    }

    /// <summary>The secret's value, as the builder gets it (a variable's value as UTF-8).</summary>
    /// <exception cref="PipelineImageException">PIMG2032 when the variable is not set or the file cannot be read.</exception>
    public static byte[] Read(PlannedSecret secret, Func<string, string?> environment)
    {
        if (secret.Source == SecretSource.Environment)
        {
            return environment(secret.Location) is { } value
                ? System.Text.Encoding.UTF8.GetBytes(value)
                : throw new PipelineImageException(DiagnosticCodes.SecretMissing, secret.Id, secret.Describe(), "is not set");
        }

        try
        {
            return System.IO.File.ReadAllBytes(secret.Location);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var why = e is FileNotFoundException or DirectoryNotFoundException ? "does not exist" : $"cannot be read ({e.Message})";
            throw new PipelineImageException(DiagnosticCodes.SecretMissing, secret.Id, secret.Describe(), why);
        }
    }

    // BuildKit takes any id; these keep it a plain word in a mount's comma-separated options.
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex Id();
}
