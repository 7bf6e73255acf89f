using System.Security.Cryptography;
using System.Text;
using PipelineImage.Context;
using PipelineImage.Diagnostics;
using PipelineImage.Dockerfile;

namespace PipelineImage.Planning;

/// <summary>
/// A parent Dockerfile, built first and used as our base (as ZenML's <c>dockerfile</c> option does). Its image is
/// tagged with a hash of everything that goes into its build, so it is rebuilt only when that changes.
/// </summary>
/// <param name="Reference">The local tag of the parent image: <c>&lt;image name&gt;-parent:&lt;hash&gt;</c>.</param>
/// <param name="DockerfilePath">The Dockerfile's path inside <see cref="Context"/>.</param>
/// <param name="Context">The parent's build context, as the docker CLI would send it for that directory.</param>
/// <param name="BuildArgs">Values for the parent Dockerfile's ARG instructions.</param>
/// <param name="FinalBase">The image of the parent Dockerfile's last FROM, when it names one: it tells the OS family.</param>
internal sealed record ParentImage(
    Naming.ImageReference Reference, string DockerfilePath, IReadOnlyList<ContextEntry> Context, IReadOnlyDictionary<string, string> BuildArgs, string? FinalBase)
{
    /// <summary>
    /// The parent of PipelineImageParentDockerfile and PipelineImageParentContext (relative to the project directory;
    /// the context defaults to the Dockerfile's directory), or null when no parent Dockerfile is set.
    /// </summary>
    /// <param name="imageName">Our image's name, asked for only when there is a parent.</param>
    /// <param name="projectDirectory">Where the settings' relative paths start.</param>
    /// <param name="parentDockerfile">PipelineImageParentDockerfile.</param>
    /// <param name="parentContext">PipelineImageParentContext.</param>
    /// <param name="baseImage">PipelineImageBase, which a parent excludes.</param>
    /// <param name="buildArgs">Name and value of each build argument; a later one wins.</param>
    /// <param name="platform">The target platform.</param>
    /// <param name="scratchDirectory">Our own obj/.../pipelineimage/, never part of the parent's context.</param>
    /// <param name="cancellationToken">Stops reading the context.</param>
    /// <exception cref="PipelineImageException">PIMG2024 when PipelineImageBase is set too; as <see cref="PlanAsync"/>.</exception>
    public static async Task<ParentImage?> FromSettingsAsync(
        Func<string> imageName, string projectDirectory, string parentDockerfile, string parentContext, string baseImage,
        IReadOnlyList<KeyValuePair<string, string>> buildArgs, string platform, string scratchDirectory, CancellationToken cancellationToken)
    {
        if (parentDockerfile.Trim().Length == 0)
        {
            return null;
        }

        if (baseImage.Trim().Length > 0)
        {
            throw new PipelineImageException(DiagnosticCodes.ParentAndBaseImage, baseImage, parentDockerfile);
        }

        var dockerfile = Path.GetFullPath(Path.Combine(projectDirectory, parentDockerfile.Trim()));
        var context = parentContext.Trim().Length > 0
            ? Path.GetFullPath(Path.Combine(projectDirectory, parentContext.Trim()))
            : Path.GetDirectoryName(dockerfile)!;
        return await PlanAsync(imageName(), dockerfile, context, buildArgs, platform, cancellationToken, scratchDirectory).ConfigureAwait(false);
    }

    /// <summary>Plans the parent build: reads its context through its ignore file and hashes it.</summary>
    /// <param name="imageName">Our image's name; the parent is tagged <c>&lt;name&gt;-parent</c>.</param>
    /// <param name="dockerfile">The parent Dockerfile's full path.</param>
    /// <param name="contextDirectory">Its context directory's full path.</param>
    /// <param name="buildArgs">Name and value of each build argument; a later one wins.</param>
    /// <param name="platform">The target platform, part of what the tag stands for.</param>
    /// <param name="cancellationToken">Stops reading the context.</param>
    /// <param name="scratchDirectory">
    /// Our own obj/.../pipelineimage/ when the context holds the project: left out, as its files (the build's lock,
    /// the plan, image.json) change with every publish and would give the parent a new tag each time.
    /// </param>
    /// <exception cref="PipelineImageException">PIMG2021, PIMG2022 or PIMG2023.</exception>
    public static async Task<ParentImage> PlanAsync(
        string imageName, string dockerfile, string contextDirectory, IReadOnlyList<KeyValuePair<string, string>> buildArgs, string platform,
        CancellationToken cancellationToken, string? scratchDirectory = null)
    {
        if (!File.Exists(dockerfile))
        {
            throw new PipelineImageException(DiagnosticCodes.ParentDockerfileMissing, dockerfile, "PipelineImageParentDockerfile");
        }

        if (!Directory.Exists(contextDirectory))
        {
            throw new PipelineImageException(DiagnosticCodes.ParentDockerfileMissing, contextDirectory, "PipelineImageParentContext");
        }

        var dockerfilePath = ContextPaths.RelativeInside(contextDirectory, dockerfile)
            ?? throw new PipelineImageException(DiagnosticCodes.ParentDockerfileOutsideContext, dockerfile, contextDirectory);

        var args = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in buildArgs)
        {
            args[VariableName.IsValid(name) ? name : throw new PipelineImageException(DiagnosticCodes.InvalidBuildArg, name)] = value;
        }

        // As the docker CLI: <Dockerfile>.dockerignore beside the Dockerfile, else .dockerignore at the context
        // root; the Dockerfile itself is always sent.
        var ignoreFile = new[] { dockerfile + ".dockerignore", Path.Combine(contextDirectory, DockerIgnore.FileName) }.FirstOrDefault(File.Exists);
        var matcher = ignoreFile is null ? new DockerIgnoreMatcher([]) : DockerIgnoreMatcher.FromText(await File.ReadAllTextAsync(ignoreFile, cancellationToken), ignoreFile);
        var scratch = scratchDirectory is null ? null : ContextPaths.RelativeInside(contextDirectory, Path.TrimEndingDirectorySeparator(scratchDirectory));
        var context = ContextWalker.Walk(contextDirectory, matcher, [])
            .Where(entry => scratch is null || (entry.ContextPath != scratch && !entry.ContextPath.StartsWith(scratch + "/", StringComparison.Ordinal)))
            .ToList();
        if (!context.Any(entry => entry.ContextPath == dockerfilePath))
        {
            context.Add(ContextEntry.FromFile(dockerfilePath, dockerfile));
            context.Sort((a, b) => string.CompareOrdinal(a.ContextPath, b.ContextPath));
        }

        var hash = await HashAsync(context, dockerfilePath, args, platform, cancellationToken);
        return new ParentImage(new Naming.ImageReference($"{imageName}-parent", hash), dockerfilePath, context, args, FinalFrom(await File.ReadAllTextAsync(dockerfile, cancellationToken)));
    }

    // The same tar bytes we would send, the Dockerfile's path, the build arguments and the platform: any change
    // to what the engine would build gives another tag.
    private static async Task<string> HashAsync(
        IReadOnlyList<ContextEntry> context, string dockerfilePath, SortedDictionary<string, string> args, string platform, CancellationToken cancellationToken)
    {
        var extra = new StringBuilder().Append('\0').Append(dockerfilePath).Append('\0').Append(platform);
        foreach (var (name, value) in args)
        {
            extra.Append('\0').Append(name).Append('=').Append(value);
        }

        using var sha = SHA256.Create();
        await using (var stream = new CryptoStream(Stream.Null, sha, CryptoStreamMode.Write))
        {
            await ContextTarWriter.WriteAsync(context, stream, cancellationToken);
            await stream.WriteAsync(Encoding.UTF8.GetBytes(extra.ToString()), cancellationToken);
        }

        return Convert.ToHexString(sha.Hash!)[..16].ToLowerInvariant();
    }

    /// <summary>
    /// The image the last FROM of a Dockerfile names, or null when it names an earlier stage or uses a variable.
    /// Reads FROM lines only: flags (<c>--platform=</c>) are skipped, <c>AS name</c> records a stage.
    /// </summary>
    public static string? FinalFrom(string dockerfile)
    {
        var stages = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        string? image = null;
        foreach (var raw in dockerfile.Split('\n'))
        {
            var words = raw.Trim().Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length < 2 || !words[0].Equals("FROM", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var rest = words.Skip(1).SkipWhile(word => word.StartsWith("--", StringComparison.Ordinal)).ToList();
            if (rest.Count == 0)
            {
                continue;
            }

            image = rest[0].Contains('$') || stages.Contains(rest[0]) ? null : rest[0];
            if (rest.Count >= 3 && rest[1].Equals("AS", StringComparison.OrdinalIgnoreCase))
            {
                stages.Add(rest[2]);
            }
        }

        return image;
    }
}
