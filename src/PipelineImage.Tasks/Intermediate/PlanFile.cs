using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using PipelineImage.Context;
using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Naming;

namespace PipelineImage.Intermediate;

/// <summary>
/// <c>plan.json</c>: everything the build and the push need, written once by the planning task and read by the build
/// task, so that nothing crosses MSBuild as strings to be parsed back. Versioned by <see cref="Schema"/>; written only
/// when its text changes. Every path in it is absolute; the context's files are where <see cref="PlannedEntry.Source"/>
/// says (the generated Dockerfile among them, in obj/).
/// </summary>
internal sealed record PlanFile
{
    /// <summary>The schema this code writes and reads; another is PIMG4006 (a package update mid-build).</summary>
    public const int CurrentSchema = 1;

    [JsonPropertyName("schema")] public int Schema { get; init; } = CurrentSchema;

    /// <summary>The image's repository name.</summary>
    [JsonPropertyName("name")] public required string Name { get; init; }

    /// <summary>Name and tag of every reference to tag, in the order the tags were given.</summary>
    [JsonPropertyName("references")] public required IReadOnlyList<ImageReference> References { get; init; }

    /// <summary>The FROM image of the Dockerfile: the base image, or the parent's reference.</summary>
    [JsonPropertyName("baseImage")] public required string BaseImage { get; init; }

    /// <summary>The Dockerfile's path in the context.</summary>
    [JsonPropertyName("dockerfile")] public required string Dockerfile { get; init; }

    /// <summary>
    /// The classic builder's Dockerfile in the context, when it has its own (<see cref="Dockerfile"/> then has cache
    /// mounts, for BuildKit and Podman).
    /// </summary>
    [JsonPropertyName("classicDockerfile")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ClassicDockerfile { get; init; }

    [JsonPropertyName("options")] public required PlannedOptions Options { get; init; }

    /// <summary>The parent image to build first, when there is a parent Dockerfile.</summary>
    [JsonPropertyName("parent")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PlannedParent? Parent { get; init; }

    /// <summary>The build context, in the order it is sent.</summary>
    [JsonPropertyName("context")] public required IReadOnlyList<PlannedEntry> Context { get; init; }

    /// <summary>
    /// The build's secrets: where each value is, never the value. Not in the inputs key: as with BuildKit's own cache,
    /// a changed secret does not make a step build again.
    /// </summary>
    [JsonPropertyName("secrets")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<Planning.PlannedSecret>? Secrets { get; init; }

    /// <summary>
    /// The digest of what the image is built from, as far as it is known without the engine: the Dockerfile's path,
    /// every context entry (path, kind, mode, content hash, link target), the network and the platform. Tags and
    /// machine paths are not in it. The image's content key adds the base image's id (<see cref="ContentKey"/>).
    /// </summary>
    [JsonPropertyName("inputsKey")] public string InputsKey { get; init; } = "";

    /// <summary>The image as our assembler builds it: its layers, configuration and requirements base.</summary>
    [JsonPropertyName("assembly")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Planning.AssemblyPlan? Assembly { get; init; }

    /// <summary>
    /// PipelineImagePlatforms with a publish per runtime identifier (self-contained, single-file, ReadyToRun, native AOT):
    /// the build context and layers of each platform but the first, whose are this plan's; null when one publish serves
    /// every platform. Their inputs keys are in this plan's.
    /// </summary>
    [JsonPropertyName("platformApps")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, PlannedPlatformApp>? PlatformApps { get; init; }

    /// <summary>
    /// The plan of one platform's image of the index: this one for <paramref name="options"/>' platform, with that
    /// platform's own publish when it has one (<see cref="PlatformApps"/>).
    /// </summary>
    public PlanFile ForPlatform(PlannedOptions options) => PlatformApps?.GetValueOrDefault(options.Platform) is { } app
        ? this with { Options = options, Context = app.Context, Assembly = app.Assembly, InputsKey = app.InputsKey, PlatformApps = null }
        : this with { Options = options, PlatformApps = null };

    /// <summary>This plan with the other platforms' own publishes (<see cref="PlatformApps"/>), its inputs key now holding theirs.</summary>
    /// <param name="apps">Each platform's plan file, planned as this one from its own publish.</param>
    public PlanFile WithPlatformApps(IReadOnlyDictionary<string, PlanFile> apps) => apps.Count == 0 ? this : (this with
    {
        PlatformApps = new SortedDictionary<string, PlannedPlatformApp>(
            apps.ToDictionary(app => app.Key, app => new PlannedPlatformApp(app.Value.Context, app.Value.Assembly!, app.Value.InputsKey)), StringComparer.Ordinal),
    }).WithInputsKey();

    /// <summary>The plan file of a build plan, its inputs key computed.</summary>
    /// <param name="plan">The plan; its Dockerfile is held in memory.</param>
    /// <param name="parent">The parent image, when there is a parent Dockerfile.</param>
    /// <param name="dockerfile">Where the plan's Dockerfile was written: the context takes it from there.</param>
    /// <param name="classicDockerfile">Where the classic builder's Dockerfile was written, when the plan has one.</param>
    /// <param name="options">The build options.</param>
    /// <param name="hash">A file's content hash (<see cref="FileHashCache.Hash"/>).</param>
    /// <param name="secrets">The build's secrets.</param>
    public static PlanFile Create(
        Planning.BuildPlan plan, Planning.ParentImage? parent, string dockerfile, string? classicDockerfile, PlannedOptions options, Func<string, string> hash,
        IReadOnlyList<Planning.PlannedSecret>? secrets = null)
    {
        var written = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            [Planning.ImagePlanner.DockerfilePath] = dockerfile,
            [Planning.ImagePlanner.ClassicDockerfilePath] = classicDockerfile,
        };
        var context = plan.Context
            .Select(entry => entry.Content is not null && written.GetValueOrDefault(entry.ContextPath) is { } file
                ? ContextEntry.FromFile(entry.ContextPath, file, mode: ContextTarWriter.RegularMode)
                : entry)
            .Select(entry => PlannedEntry.From(entry, hash))
            .ToList();
        var modes = context.ToDictionary(entry => entry.Path, entry => entry.Mode, StringComparer.Ordinal);
        var assembly = plan.Assembly.WithFileModes(path => modes[path]);
        return new PlanFile
        {
            Name = plan.Name,
            References = plan.References,
            BaseImage = plan.BaseImage,
            Dockerfile = Planning.ImagePlanner.DockerfilePath,
            ClassicDockerfile = plan.ClassicDockerfile is null ? null : Planning.ImagePlanner.ClassicDockerfilePath,
            Options = options,
            Parent = parent is null ? null : new PlannedParent(parent.Reference, parent.DockerfilePath,
                new SortedDictionary<string, string>(parent.BuildArgs.ToDictionary(), StringComparer.Ordinal),
                parent.Context.Select(entry => PlannedEntry.From(entry, hash)).ToList()),
            Context = context,
            Secrets = secrets is { Count: > 0 } ? secrets : null,
            Assembly = parent is null ? assembly : assembly.NeedingEngineFor("the parent Dockerfile (PipelineImageParentDockerfile)"),
        }.WithInputsKey();
    }

    /// <summary>The tag of a requirements base before its content key: <c>pipelineimage-requirements-&lt;64 hex digits&gt;</c>.</summary>
    public const string RequirementsTagPrefix = "pipelineimage-requirements-";

    /// <summary>
    /// The plan of the requirements base (<see cref="Planning.AssemblyPlan.Requirements"/>) as the engine builds it:
    /// its Dockerfiles, FROM pinned, from where they were written, the requirements' files, this plan's options and
    /// secrets. Its one reference is this plan's name with the tag <see cref="RequirementsTagPrefix"/> and the hex of
    /// its inputs key, which holds the Dockerfiles (so the base's digest), the files, the network and the platform: a
    /// runner that computes the same tag finds the same base in the registry.
    /// </summary>
    /// <param name="pinnedBase">The base image by digest (<c>name@sha256:…</c>), as the Dockerfiles' FROM has it.</param>
    /// <param name="dockerfile">Where its Dockerfile was written.</param>
    /// <param name="classicDockerfile">Where the classic builder's was written, when it has one.</param>
    /// <param name="hash">A file's content hash (<see cref="FileHashCache.Hash"/>).</param>
    public PlanFile ForRequirementsBase(string pinnedBase, string dockerfile, string? classicDockerfile, Func<string, string> hash)
    {
        var requirements = Assembly?.Requirements ?? throw new InvalidOperationException("The plan has no requirements base.");
        var written = classicDockerfile is null ? [(Dockerfile, dockerfile)] : new[] { (Dockerfile, dockerfile), (Planning.ImagePlanner.ClassicDockerfilePath, classicDockerfile) };
        var context = Context.Where(entry => requirements.Context.Contains(entry.Path, StringComparer.Ordinal))
            .Concat(written.Select(file => PlannedEntry.From(ContextEntry.FromFile(file.Item1, file.Item2, mode: ContextTarWriter.RegularMode), hash)))
            .OrderBy(entry => entry.Path, StringComparer.Ordinal)
            .ToList();
        var plan = (this with
        {
            References = [],
            BaseImage = pinnedBase,
            ClassicDockerfile = classicDockerfile is null ? null : Planning.ImagePlanner.ClassicDockerfilePath,
            Parent = null,
            Context = context,
            Assembly = null,
        }).WithInputsKey();
        return plan with { References = [new ImageReference(Name, RequirementsTagPrefix + plan.InputsKey["sha256:".Length..])] };
    }

    private PlanFile WithInputsKey()
    {
        var text = new StringBuilder("pipelineimage-inputs-v1\n");
        text.Append("dockerfile ").Append(Dockerfile).Append('\n');
        text.Append("network ").Append(Options.Network).Append('\n');
        text.Append("platform ").Append(Options.Platform).Append('\n');
        if (Options.Platforms is { } platforms)
        {
            text.Append("platforms ").Append(string.Join(";", platforms)).Append('\n');
        }
        foreach (var (platform, app) in PlatformApps ?? new Dictionary<string, PlannedPlatformApp>())
        {
            text.Append("platform-app ").Append(platform).Append(' ').Append(app.InputsKey).Append('\n');
        }
        foreach (var entry in Context)
        {
            text.Append(entry.Kind).Append(' ').Append(entry.Path).Append(' ').Append(entry.Mode)
                .Append(' ').Append(entry.Sha256 ?? entry.Target ?? "").Append('\n');
        }

        return this with { InputsKey = Registry.ContentDigest.Of(Encoding.UTF8.GetBytes(text.ToString())) };
    }

    /// <summary>The Dockerfile the builder builds: the classic builder's own when there is one.</summary>
    public string DockerfileFor(ImageBuilder builder) => builder == ImageBuilder.Classic ? ClassicDockerfile ?? Dockerfile : Dockerfile;

    /// <summary>The context as the tar writer takes it.</summary>
    public IReadOnlyList<ContextEntry> ContextEntries() => Context.Select(entry => entry.ToEntry()).ToList();

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions).Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";

    /// <exception cref="PipelineImageException">PIMG4006 when the file is missing, of another schema or no plan.</exception>
    public static async Task<PlanFile> ReadAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new PipelineImageException(DiagnosticCodes.InvalidPlan, path, "does not exist");
        }

        PlanFile? plan;
        try
        {
            using var document = JsonDocument.Parse(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false));
            var schema = document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("schema", out var value)
                && value.TryGetInt32(out var number) ? number : (int?)null;
            if (schema != CurrentSchema)
            {
                throw new PipelineImageException(DiagnosticCodes.InvalidPlan, path,
                    $"has schema {schema?.ToString(CultureInfo.InvariantCulture) ?? "none"}, and this version of PipelineImage.Tasks reads {CurrentSchema}");
            }

            plan = document.Deserialize<PlanFile>(JsonOptions) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new PipelineImageException(DiagnosticCodes.InvalidPlan, path, $"is not a plan ({e.Message})");
        }

        try
        {
            _ = plan.ContextEntries();
            _ = plan.Parent?.ContextEntries();
            _ = plan.PlatformApps?.Values.Select(app => app.Context.Select(entry => entry.ToEntry()).ToList()).ToList();
            _ = plan.Options.PullPolicy;
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException or PipelineImageException)
        {
            throw new PipelineImageException(DiagnosticCodes.InvalidPlan, path, $"is not a plan ({e.Message})");
        }

        return plan;
    }

    private static readonly JsonSerializerOptions JsonOptions = IntermediateJson.Files;
}

/// <param name="Network">PipelineImageNetwork (validated); empty: the engine's default.</param>
/// <param name="Platform">PipelineImagePlatform (validated); empty: the engine's own.</param>
/// <param name="Pull">PipelineImagePull: <c>missing</c>, <c>always</c> or <c>never</c>.</param>
/// <param name="NoCache">PipelineImageNoCache: build every step anew (and never skip the build).</param>
/// <param name="Builder">PipelineImageBuilder (validated), the builder of RUN steps: <c>auto</c>, <c>buildkit</c> or <c>classic</c>.</param>
/// <param name="Push">PipelineImagePush: the image is pushed after the build (the build needs no engine to make one that needs none).</param>
/// <param name="Archive">PipelineImageArchiveOutputPath is set: the image is written to an archive after the build (likewise).</param>
internal sealed record PlannedOptions(
    [property: JsonPropertyName("network")] string Network,
    [property: JsonPropertyName("platform")] string Platform,
    [property: JsonPropertyName("pull")] string Pull,
    [property: JsonPropertyName("noCache")] bool NoCache,
    [property: JsonPropertyName("builder")] string Builder = "auto",
    [property: JsonPropertyName("push")] bool Push = false,
    [property: JsonPropertyName("archive")] bool Archive = false)
{
    /// <summary>
    /// PipelineImagePlatforms (validated, two or more): an image per platform, each planned as this plan with
    /// <see cref="Platform"/> set to it, and an index over them; null: one image.
    /// </summary>
    [JsonPropertyName("platforms"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Platforms { get; init; }

    /// <summary>The plan of each platform's image: this one for its platform.</summary>
    public IReadOnlyList<PlannedOptions> ForEachPlatform() => (Platforms ?? []).Select(platform => this with { Platform = platform, Platforms = null }).ToList();

    [JsonIgnore] public PullPolicy PullPolicy => PullPolicies.Parse(Pull);

    [JsonIgnore] public Planning.BuilderSetting Setting => Planning.BuilderSettings.Parse(Builder);
}

/// <summary>One platform's own publish in an index's plan (<see cref="PlanFile.PlatformApps"/>).</summary>
/// <param name="Context">Its build context, in the order it is sent.</param>
/// <param name="Assembly">Its layers and configuration, as the assembler builds them.</param>
/// <param name="InputsKey">Its inputs key (<see cref="PlanFile.InputsKey"/>).</param>
internal sealed record PlannedPlatformApp(
    [property: JsonPropertyName("context")] IReadOnlyList<PlannedEntry> Context,
    [property: JsonPropertyName("assembly")] Planning.AssemblyPlan Assembly,
    [property: JsonPropertyName("inputsKey")] string InputsKey);

/// <param name="Reference">The parent's local tag, <c>&lt;name&gt;-parent:&lt;hash of its inputs&gt;</c>.</param>
/// <param name="Dockerfile">The parent Dockerfile's path in its context.</param>
/// <param name="BuildArgs">Its build arguments, by name (a later item of one name won).</param>
/// <param name="Context">Its build context, in the order it is sent.</param>
internal sealed record PlannedParent(
    [property: JsonPropertyName("reference")] ImageReference Reference,
    [property: JsonPropertyName("dockerfile")] string Dockerfile,
    [property: JsonPropertyName("buildArgs")] IReadOnlyDictionary<string, string> BuildArgs,
    [property: JsonPropertyName("context")] IReadOnlyList<PlannedEntry> Context)
{
    public IReadOnlyList<ContextEntry> ContextEntries() => Context.Select(entry => entry.ToEntry()).ToList();
}

/// <summary>One context entry: what the tar writer sends, with the mode it sends and the file's content hash.</summary>
/// <param name="Path">The path in the context.</param>
/// <param name="Kind"><c>file</c>, <c>directory</c> or <c>symlink</c>.</param>
/// <param name="Mode">The permission bits sent, in octal (<c>0644</c>).</param>
/// <param name="Source">A file's full path on disk.</param>
/// <param name="Sha256">A file's content hash, hex.</param>
/// <param name="Target">A link's target.</param>
internal sealed record PlannedEntry(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("source"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Source = null,
    [property: JsonPropertyName("sha256"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Sha256 = null,
    [property: JsonPropertyName("target"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Target = null)
{
    /// <summary>The entry as planned, with the mode the tar writer gives it and, for a file, its hash.</summary>
    /// <param name="entry">A context entry; a file held in memory must have been written to disk first.</param>
    /// <param name="hash">The content hash of a file on disk (<see cref="FileHashCache.Hash"/>).</param>
    public static PlannedEntry From(ContextEntry entry, Func<string, string> hash)
    {
        var mode = "0" + Convert.ToString((int)ContextTarWriter.ModeOf(entry), 8);
        return entry.Kind switch
        {
            ContextEntryKind.Directory => new PlannedEntry(entry.ContextPath, "directory", mode),
            ContextEntryKind.Symlink => new PlannedEntry(entry.ContextPath, "symlink", mode, Target: entry.LinkTarget),
            _ => new PlannedEntry(entry.ContextPath, "file", mode,
                entry.SourcePath ?? throw new ArgumentException($"{entry.ContextPath} is held in memory: write it to a file first.", nameof(entry)),
                hash(entry.SourcePath)),
        };
    }

    public ContextEntry ToEntry()
    {
        var mode = (UnixFileMode)Convert.ToInt32(Mode, 8);
        return Kind switch
        {
            "directory" => ContextEntry.FromDirectory(Path, mode),
            "symlink" => ContextEntry.FromSymlink(Path, Target ?? throw new JsonException($"the link {Path} has no target")),
            "file" => ContextEntry.FromFile(Path, Source ?? throw new JsonException($"the file {Path} has no source"), mode: mode) with { ContentHash = Sha256 },
            _ => throw new JsonException($"{Path} is of an unknown kind '{Kind}'"),
        };
    }
}
