using PipelineImage.Diagnostics;

namespace PipelineImage.Context;

/// <summary>Which ignore rules apply to a build context, and where they came from.</summary>
/// <param name="Matcher">The rules.</param>
/// <param name="Origin">Where they came from, for the build log.</param>
internal sealed record IgnoreRules(DockerIgnoreMatcher Matcher, string Origin)
{
    /// <summary>
    /// The rules used when the project names no ignore file and the context root has no .dockerignore: keep VCS
    /// data, build output, IDE state and common secret files out of the image.
    /// </summary>
    public static readonly IReadOnlyList<string> Defaults =
    [
        ".git", ".svn", ".hg", "**/bin", "**/obj", "**/.vs", "**/.vscode", "**/.idea", "**/*.user",
        "**/.env", "**/.env.*", "**/*.pfx", "**/*.p12", "**/*.pem", "**/*.key", "**/secrets.json",
    ];

    /// <summary>
    /// The DockerIgnoreFile items, applied in order (later lines win, as within one file); else the context
    /// root's .dockerignore; else <see cref="Defaults"/>.
    /// </summary>
    /// <param name="contextRoot">The context root.</param>
    /// <param name="ignoreFiles">Each DockerIgnoreFile item's Include and full path.</param>
    /// <exception cref="PipelineImageException">PIMG3002 for a missing file, PIMG3001 for an invalid pattern.</exception>
    public static IgnoreRules Load(string contextRoot, IReadOnlyList<(string Item, string Path)> ignoreFiles)
    {
        if (ignoreFiles.Count > 0)
        {
            var patterns = new List<DockerIgnorePattern>();
            foreach (var (item, path) in ignoreFiles)
            {
                if (!File.Exists(path))
                {
                    throw new PipelineImageException(DiagnosticCodes.IgnoreFileMissing, item, path);
                }

                patterns.AddRange(DockerIgnore.Parse(File.ReadAllText(path), path));
            }

            return new IgnoreRules(new DockerIgnoreMatcher(patterns), string.Join(", ", ignoreFiles.Select(f => f.Path)));
        }

        var rootFile = Path.Combine(contextRoot, DockerIgnore.FileName);
        if (File.Exists(rootFile))
        {
            return new IgnoreRules(DockerIgnoreMatcher.FromText(File.ReadAllText(rootFile), rootFile), rootFile);
        }

        return new IgnoreRules(
            DockerIgnoreMatcher.FromText(string.Join('\n', Defaults), "the default ignore rules"),
            $"the default rules, as no {DockerIgnore.FileName} is at {contextRoot} ({string.Join(" ", Defaults)})");
    }

    /// <summary>The nearest directory at or above <paramref name="directory"/> holding <c>.git</c>, or null.</summary>
    public static string? FindRepositoryRoot(string directory)
    {
        for (var current = new DirectoryInfo(directory); current is not null; current = current.Parent)
        {
            var git = Path.Combine(current.FullName, ".git");
            if (Directory.Exists(git) || File.Exists(git))
            {
                return current.FullName;
            }
        }

        return null;
    }
}
