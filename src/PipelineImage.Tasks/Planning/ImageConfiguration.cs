using System.Text.RegularExpressions;
using PipelineImage.Diagnostics;
using PipelineImage.Dockerfile;

namespace PipelineImage.Planning;

/// <summary>
/// The image's runtime configuration (working directory, user, entrypoint, environment, labels, ports), validated
/// from <see cref="ImageSettings"/>. Every value either comes out in the Dockerfile exactly as given or is a PIMG error
/// naming the property or item.
/// </summary>
internal static partial class ImageConfiguration
{
    public const string DefaultWorkingDirectory = "/app";
    public const string DefaultUser = "app";

    private const string OciPrefix = "org.opencontainers.image.";

    // A name (as useradd takes it) or a numeric id, optionally with :group of the same form.
    [GeneratedRegex(@"\A(?:[a-z_][a-z0-9_-]{0,31}|[0-9]{1,10})(?::(?:[a-z_][a-z0-9_-]{0,31}|[0-9]{1,10}))?\z")]
    private static partial Regex UserPattern();

    /// <summary>The working directory, absolute and normalized; empty: <see cref="DefaultWorkingDirectory"/>.</summary>
    /// <exception cref="PipelineImageException">PIMG2012.</exception>
    public static string WorkingDirectory(string value)
    {
        var path = value.Trim();
        if (path.Length == 0)
        {
            return DefaultWorkingDirectory;
        }

        return PathProblem(path) is { } problem
            ? throw new PipelineImageException(DiagnosticCodes.InvalidWorkingDirectory, value, problem)
            : Normalized(path);
    }

    /// <summary>
    /// The directories the image's user owns (PipelineImageWritableWorkingDirectory, @(PipelineImageWritableDirectory)
    /// relative to the working directory or absolute), normalized, each once, parents before children; none by default.
    /// </summary>
    /// <exception cref="PipelineImageException">PIMG2046 for an item that is not a directory the image can give.</exception>
    public static IReadOnlyList<string> WritableDirectories(ImageSettings settings, string workingDirectory)
    {
        var directories = new SortedSet<string>(StringComparer.Ordinal);
        if (settings.WritableWorkingDirectory)
        {
            directories.Add(workingDirectory);
        }

        foreach (var item in settings.WritableDirectories.Select(item => item.Trim()).Where(item => item.Length > 0))
        {
            var path = item.StartsWith('/') ? item : $"{workingDirectory.TrimEnd('/')}/{item}";
            var problem = PathProblem(path) ?? (Normalized(path) == "/" ? "it is the root directory" : null);
            directories.Add(problem is null ? Normalized(path) : throw new PipelineImageException(DiagnosticCodes.InvalidWritableDirectory, item, problem));
        }

        return directories.ToList();
    }

    private static string? PathProblem(string path) =>
        !path.StartsWith('/') ? "it is not an absolute path (start it with /)"
        : path.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '$' or '\\' or '"' or '\'') ? "it holds white space, a quote, '$' or '\\'"
        : path.TrimEnd('/').Split('/').Skip(1).Any(segment => segment is "" or "." or "..") ? "it has an empty, '.' or '..' segment"
        : null;

    private static string Normalized(string path) => path.Length > 1 ? path.TrimEnd('/') : path;

    /// <summary>The user; empty: <see cref="DefaultUser"/>.</summary>
    /// <exception cref="PipelineImageException">PIMG2013.</exception>
    public static string User(string value)
    {
        var user = value.Trim();
        if (user.Length == 0)
        {
            return DefaultUser;
        }

        return UserPattern().IsMatch(user) ? user : throw new PipelineImageException(DiagnosticCodes.InvalidUser, value);
    }

    /// <summary>
    /// ENTRYPOINT and CMD: the app's own command (mode <c>app</c>), none (mode <c>none</c>: the orchestrator names the
    /// command), or the PipelineImageEntrypoint items (mode <c>custom</c>); CMD holds the default arguments. Null for
    /// an instruction the image does not get.
    /// </summary>
    /// <exception cref="PipelineImageException">PIMG2014 for an unknown mode, PIMG2015 when mode and items disagree.</exception>
    public static (IReadOnlyList<string>? Entrypoint, IReadOnlyList<string>? Cmd) Command(ImageSettings settings, IReadOnlyList<string> appCommand)
    {
        var mode = settings.EntrypointMode.Trim().ToLowerInvariant();
        if (mode.Length == 0)
        {
            mode = settings.Entrypoint.Count > 0 ? "custom" : "app";
        }

        IReadOnlyList<string>? cmd = settings.DefaultArgs.Count > 0 ? settings.DefaultArgs : null;
        switch (mode)
        {
            case "app" or "none" when settings.Entrypoint.Count > 0:
                throw new PipelineImageException(DiagnosticCodes.EntrypointMismatch, mode, "there are PipelineImageEntrypoint items",
                    "remove the items, or set PipelineImageEntrypointMode to custom (or leave it empty)");
            case "custom" when settings.Entrypoint.Count == 0:
                throw new PipelineImageException(DiagnosticCodes.EntrypointMismatch, mode, "there are no PipelineImageEntrypoint items",
                    "add the command as <PipelineImageEntrypoint Include=\"...\" /> items, one argument each");
            case "app":
                return (appCommand, cmd);
            case "none":
                return (null, cmd);
            case "custom":
                return (settings.Entrypoint, cmd);
            default:
                throw new PipelineImageException(DiagnosticCodes.InvalidEntrypointMode, settings.EntrypointMode);
        }
    }

    /// <summary>The environment variables in the order first given, each with its last value.</summary>
    /// <exception cref="PipelineImageException">PIMG2016.</exception>
    public static IReadOnlyList<EnvVariable> Environment(ImageSettings settings)
    {
        var variables = new List<EnvVariable>();
        var problems = new Problems();
        foreach (var (name, value) in settings.EnvironmentVariables)
        {
            if (!VariableName.IsValid(name))
            {
                problems.Add(new PipelineImageException(DiagnosticCodes.InvalidEnvironmentVariable, name,
                    "its name is not a letter or '_' followed by letters, digits and '_'"));
                continue;
            }

            // The value is not repeated in the message: environment variables often hold secrets.
            if (value.Any(char.IsControl))
            {
                problems.Add(new PipelineImageException(DiagnosticCodes.InvalidEnvironmentVariable, name,
                    "its Value holds a line break or another control character, which a Dockerfile cannot hold"));
                continue;
            }

            var index = variables.FindIndex(variable => variable.Name == name);
            if (index >= 0)
            {
                variables[index] = new EnvVariable(name, value);
            }
            else
            {
                variables.Add(new EnvVariable(name, value));
            }
        }

        problems.ThrowIfAny();
        return variables;
    }

    /// <summary>
    /// The labels, sorted by key: the generated OCI ones (unless turned off), then the user's, a later one replacing an
    /// earlier one with the same key. Nothing time-dependent is generated, so the image stays reproducible.
    /// </summary>
    /// <exception cref="PipelineImageException">PIMG2017.</exception>
    public static IReadOnlyList<KeyValuePair<string, string>> Labels(ImageSettings settings, string baseImage)
    {
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (settings.GenerateLabels)
        {
            var project = settings.Project;
            AddIfGiven(labels, OciPrefix + "title", project.Title);
            // "Package Description" is NuGet's placeholder, not the project's description.
            if (project.Description.Trim() != "Package Description")
            {
                AddIfGiven(labels, OciPrefix + "description", project.Description.ReplaceLineEndings(" ").Trim());
            }
            AddIfGiven(labels, OciPrefix + "version", settings.Version);
            AddIfGiven(labels, OciPrefix + "source", WithoutCredentials(project.RepositoryUrl));
            AddIfGiven(labels, OciPrefix + "revision", project.Revision);
            AddIfGiven(labels, OciPrefix + "base.name", baseImage);
        }

        var problems = new Problems();
        foreach (var (key, value) in settings.Labels)
        {
            if (key.Length == 0 || key.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            {
                problems.Add(new PipelineImageException(DiagnosticCodes.InvalidLabel, key, "its key is empty or holds white space"));
            }
            else if (value.Any(char.IsControl))
            {
                problems.Add(new PipelineImageException(DiagnosticCodes.InvalidLabel, key,
                    "its Value holds a line break or another control character, which a Dockerfile cannot hold"));
            }
            else
            {
                labels[key] = value;
            }
        }

        problems.ThrowIfAny();
        return labels.ToList();
    }

    /// <summary>The ports as <c>number/protocol</c>, de-duplicated and sorted by number, then protocol.</summary>
    /// <exception cref="PipelineImageException">PIMG2018.</exception>
    public static IReadOnlyList<string> Ports(ImageSettings settings)
    {
        var ports = new SortedSet<(int Number, string Type)>();
        var problems = new Problems();
        foreach (var (port, type) in settings.Ports)
        {
            var protocol = type.Trim().Length == 0 ? "tcp" : type.Trim().ToLowerInvariant();
            if (!int.TryParse(port.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number)
                || number is < 1 or > 65535)
            {
                problems.Add(new PipelineImageException(DiagnosticCodes.InvalidPort, port, type, "the port is not a number from 1 to 65535"));
            }
            else if (protocol is not ("tcp" or "udp" or "sctp"))
            {
                problems.Add(new PipelineImageException(DiagnosticCodes.InvalidPort, port, type, "the Type is not tcp, udp or sctp"));
            }
            else
            {
                ports.Add((number, protocol));
            }
        }

        problems.ThrowIfAny();
        return ports.Select(port => $"{port.Number}/{port.Type}").ToList();
    }

    /// <summary>
    /// The ports an ASP.NET Core app listens on when the project names none, inferred as the .NET SDK's container
    /// support infers them: from ASPNETCORE_URLS, ASPNETCORE_HTTP_PORTS and ASPNETCORE_HTTPS_PORTS among the project's
    /// environment variables, else 8080, which Microsoft's .NET 8 and later images set in ASPNETCORE_HTTP_PORTS.
    /// </summary>
    /// <param name="environment">The image's environment variables from the project.</param>
    /// <param name="baseImage">The FROM image: the 8080 default holds only for Microsoft's .NET images.</param>
    /// <param name="frameworkMajor">The target framework's major version.</param>
    public static IReadOnlyList<string> AspNetCorePorts(IReadOnlyList<EnvVariable> environment, string baseImage, int frameworkMajor)
    {
        var ports = new SortedSet<int>();
        foreach (var variable in environment)
        {
            var values = variable.Value.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var found = variable.Name switch
            {
                "ASPNETCORE_URLS" => values.Select(url => url.TrimEnd('/')).Select(url => url[(url.LastIndexOf(':') + 1)..]),
                "ASPNETCORE_HTTP_PORTS" or "ASPNETCORE_HTTPS_PORTS" => values,
                _ => [],
            };
            foreach (var port in found)
            {
                if (int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number)
                    && number is >= 1 and <= 65535)
                {
                    ports.Add(number);
                }
            }
        }

        if (ports.Count == 0 && frameworkMajor >= 8 && baseImage.StartsWith(BaseImage.Registry + "/", StringComparison.Ordinal))
        {
            ports.Add(8080);
        }

        return ports.Select(port => $"{port}/tcp").ToList();
    }

    /// <summary>A repository URL without a <c>user:password@</c> part, which must never reach an image.</summary>
    public static string WithoutCredentials(string url)
    {
        var trimmed = url.Trim();
        if (Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0)
        {
            return new UriBuilder(uri) { UserName = "", Password = "" }.Uri.ToString();
        }

        return trimmed;
    }

    private static void AddIfGiven(SortedDictionary<string, string> labels, string key, string value)
    {
        var trimmed = value.Trim();
        if (trimmed.Length > 0 && !trimmed.Any(char.IsControl))
        {
            labels[key] = trimmed;
        }
    }
}
