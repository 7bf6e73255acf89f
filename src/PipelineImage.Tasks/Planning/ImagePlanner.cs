using System.Text;
using PipelineImage.Context;
using PipelineImage.Diagnostics;
using PipelineImage.Dockerfile;
using PipelineImage.Naming;
using PipelineImage.Registry;
using PipelineImage.Requirements;

namespace PipelineImage.Planning;

/// <summary>
/// Turns a published app, the user's settings and the context's other sources into a <see cref="BuildPlan"/>.
/// Layers follow how often their files change (as jib orders them): the base, the OS and pip requirements, the NuGet
/// dependencies, the extra files, the source tree, and last the app's own files, so a code change rebuilds as little
/// as it can.
/// </summary>
/// <remarks>
/// The context holds the source tree at its own paths, as <c>docker build</c> of the context root would, and
/// everything we generate or publish under <see cref="ReservedDirectory"/>, which the source tree never contributes.
/// </remarks>
internal static class ImagePlanner
{
    public const string SourceDirectory = "/src";
    public const string ReservedDirectory = ".pipelineimage";
    public const string DockerfilePath = ReservedDirectory + "/Dockerfile";

    /// <summary>
    /// The Dockerfile for the classic builder, beside <see cref="DockerfilePath"/> (then for BuildKit and Podman) when
    /// the builder is chosen on the engine (<c>auto</c>) and a step has a cache mount, which the classic builder lacks.
    /// </summary>
    public const string ClassicDockerfilePath = ReservedDirectory + "/Dockerfile.classic";

    private const string DependencyContextDirectory = ReservedDirectory + "/deps";
    private const string AppContextDirectory = ReservedDirectory + "/app";
    private const string FilesContextDirectory = ReservedDirectory + "/files";

    /// <param name="app">The publish output.</param>
    /// <param name="settings">The image properties.</param>
    /// <param name="sources">The source tree and extra files.</param>
    /// <param name="planRequirements">
    /// Plans the requirements for the base image chosen here (see <see cref="RequirementPlanner.Plan"/>); null: none.
    /// </param>
    /// <param name="builder">
    /// PipelineImageBuilder, validated: which Dockerfiles to write when a step has a cache mount (<see cref="Dockerfiles"/>).
    /// </param>
    /// <param name="epoch">SOURCE_DATE_EPOCH: the time of the assembled image's entries (<see cref="AssemblyPlan.Epoch"/>).</param>
    /// <param name="accounts">The base's users and directories, for the directories the user owns; null: its files were not read.</param>
    public static BuildPlan Create(
        PublishedApp app, ImageSettings settings, ContextSources sources, Func<string, RequirementPlan>? planRequirements = null, BuilderSetting builder = BuilderSetting.Auto,
        long epoch = AssemblyPlanner.DefaultEpoch, BaseAccounts? accounts = null)
    {
        // Each setting is checked on its own, so that every invalid one is reported, not only the first.
        var problems = new Problems();
        var names = problems.Check(() => ResolveNames(app, settings));
        var tags = problems.Check(() => ResolveTags(settings));
        var checkedBase = problems.Check(() => ResolveBaseImage(app, settings));
        var appDirectory = problems.Check(() => ImageConfiguration.WorkingDirectory(settings.WorkingDirectory)) ?? "/app";
        var checkedUser = problems.Check(() => ImageConfiguration.User(settings.User));
        var writable = problems.Check(() => ImageConfiguration.WritableDirectories(settings, appDirectory));
        var (appCommand, apphost) = problems.Check(() => ResolveAppCommand(app, appDirectory));
        var command = problems.Check(() => ImageConfiguration.Command(settings, appCommand ?? []));
        var checkedEnvironment = problems.Check(() => ImageConfiguration.Environment(settings));
        var checkedLabels = problems.Check(() => ImageConfiguration.Labels(settings, checkedBase ?? ""));
        var ports = problems.Check(() => ImageConfiguration.Ports(settings));
        var checkedRequirements = checkedBase is null ? null : problems.Check(() => planRequirements?.Invoke(checkedBase) ?? RequirementPlan.Empty);
        var writableSteps = writable is null || checkedUser is null || checkedBase is null ? null
            : problems.Check(() => WritableDirectories.Plan(writable, checkedUser, appDirectory, checkedBase, accounts));
        problems.ThrowIfAny();

        // Every check passed: none of these is null.
        var references = names!.SelectMany(name => tags!.Select(tag => new ImageReference(name, tag))).ToList();
        var (baseImage, user, environment, labels, requirements) = (checkedBase!, checkedUser!, checkedEnvironment!, checkedLabels!, checkedRequirements!);
        var (entrypoint, cmd) = command;
        if (ports!.Count == 0 && app.UsesAspNetCore)
        {
            ports = ImageConfiguration.AspNetCorePorts(environment, baseImage, FrameworkMajor(app));
        }

        var files = app.Files.OrderBy(file => file.RelativePath, StringComparer.Ordinal).ToList();
        var context = new List<ContextEntry>(files.Count + sources.SourceFiles.Count + sources.ExtraFiles.Count + 1);
        foreach (var file in files)
        {
            CheckRelativePath(file);
            var directory = file.IsDependency ? DependencyContextDirectory : AppContextDirectory;
            context.Add(ContextEntry.FromFile(
                $"{directory}/{file.RelativePath}", file.SourcePath, executable: file.RelativePath == apphost));
        }

        var instructions = new List<Instruction>
        {
            new FromInstruction(baseImage),
            new WorkdirInstruction(appDirectory),
        };
        instructions.AddRange(requirements.Instructions);
        context.AddRange(requirements.Context);
        if (files.Any(file => file.IsDependency))
        {
            instructions.Add(new CopyInstruction([DependencyContextDirectory + "/"], DirectoryDestination(appDirectory)));
        }

        instructions.AddRange(PlanExtraFiles(sources.ExtraFiles, context));
        instructions.AddRange(PlanSourceFiles(sources.SourceFiles, context));
        instructions.Add(new CopyInstruction([AppContextDirectory + "/"], DirectoryDestination(appDirectory)));
        instructions.AddRange(writableSteps!.Instructions);
        context.AddRange(writableSteps.Context);
        instructions.Add(new UserInstruction(user));

        // Configuration last: it makes no layer, and a new version label must not cost the cache of any layer.
        if (environment.Count > 0)
        {
            instructions.Add(new EnvInstruction(environment));
        }

        if (labels.Count > 0)
        {
            instructions.Add(new LabelInstruction(labels));
        }

        if (ports.Count > 0)
        {
            instructions.Add(new ExposeInstruction(ports));
        }

        if (entrypoint is not null)
        {
            instructions.Add(new EntrypointInstruction(entrypoint));
        }

        if (cmd is not null)
        {
            instructions.Add(new CmdInstruction(cmd));
        }

        var assembly = RequirementsBase(app, instructions, requirements, context, builder, epoch);
        var (dockerfile, classicDockerfile) = Dockerfiles(app, instructions, builder);
        context.Add(ContextEntry.FromContent(DockerfilePath, Encoding.UTF8.GetBytes(dockerfile)));
        if (classicDockerfile is not null)
        {
            context.Add(ContextEntry.FromContent(ClassicDockerfilePath, Encoding.UTF8.GetBytes(classicDockerfile)));
        }

        context.Sort((a, b) => string.CompareOrdinal(a.ContextPath, b.ContextPath));

        return new BuildPlan(names![0], references, baseImage!, dockerfile, context, requirements!) { ClassicDockerfile = classicDockerfile, Assembly = assembly };
    }

    // The assembler's plan. Requirements with RUN steps make the requirements base (FROM, WORKDIR and theirs), which an
    // engine builds from its own Dockerfile, with the builder the setting names; the assembler puts the rest on it.
    private static AssemblyPlan RequirementsBase(
        PublishedApp app, List<Instruction> instructions, RequirementPlan requirements, List<ContextEntry> context, BuilderSetting builder, long epoch)
    {
        if (!requirements.Instructions.OfType<RunInstruction>().Any())
        {
            return AssemblyPlanner.Plan(instructions, context, epoch);
        }

        var count = instructions.IndexOf(requirements.Instructions[^1]) + 1;
        var (dockerfile, classic) = Dockerfiles(app, instructions[..count], builder,
            "The requirements base of Dockerfile: its RUN steps, which an engine builds and our layers go on; the base named by its registry digest or its id in the engine.");
        return AssemblyPlanner.Plan(instructions, context, epoch, count) with
        {
            Requirements = new PlannedRequirementsBase(dockerfile, classic,
                requirements.Context.Select(entry => entry.ContextPath).Order(StringComparer.Ordinal).ToList()),
        };
    }

    /// <summary>
    /// The Dockerfile, and the classic builder's when it needs its own: without cache mounts every builder builds the
    /// one; with them, <c>buildkit</c> gets the cached form, <c>classic</c> the plain one, and <c>auto</c> both (the
    /// engine decides which is built). Each says at its top which builder it is for.
    /// </summary>
    private static (string Dockerfile, string? Classic) Dockerfiles(PublishedApp app, List<Instruction> instructions, BuilderSetting builder, string? purpose = null)
    {
        var generated = $"Generated by PipelineImage.Tasks from {app.ProjectFileName}. Do not edit: it is rewritten on every publish.";
        string[] Header(params string[] lines) => purpose is null ? [generated, .. lines] : [generated, purpose, .. lines];
        var definition = new DockerfileDefinition(Header(), instructions);
        if (!DockerfileWriter.HasCacheMounts(definition))
        {
            return (DockerfileWriter.Render(definition with { Header = Header("For any builder: BuildKit, Podman (buildah) or Docker's classic builder.") }), null);
        }

        const string cached = "For BuildKit and Podman (buildah): RUN --mount=type=cache keeps apt's and pip's downloads from one build to the next.";
        const string plain = "For Docker's classic builder, which has no RUN --mount: each build of a RUN step downloads all its packages again.";
        var withCache = DockerfileWriter.Render(definition with
        {
            Header = Header(cached, builder == BuilderSetting.BuildKit ? "PipelineImageBuilder=buildkit." : "The classic builder builds Dockerfile.classic, beside this one."),
        }, cacheMounts: true);
        if (DockerfileWriter.Secrets(definition) is { Count: > 0 } secrets)
        {
            // A step that reads a secret cannot run on the classic builder: there is no Dockerfile for it.
            return builder == BuilderSetting.Classic
                ? throw new PipelineImageException(DiagnosticCodes.SecretsNeedSession, string.Join(", ", secrets), "the classic builder",
                    "PipelineImageBuilder=classic, and only BuildKit's session or Podman passes secrets")
                : (DockerfileWriter.Render(definition with { Header = Header(cached, "A step reads a build secret: BuildKit and Podman only.") }, cacheMounts: true), null);
        }

        var withoutCache = DockerfileWriter.Render(definition with
        {
            Header = Header(plain, builder == BuilderSetting.Classic ? "PipelineImageBuilder=classic." : "BuildKit and Podman build Dockerfile, beside this one, with cache mounts."),
        });
        return builder switch
        {
            BuilderSetting.Classic => (withoutCache, null),
            BuilderSetting.BuildKit => (withCache, null),
            _ => (withCache, withoutCache),
        };
    }

    // Each extra file goes to .pipelineimage/files/<destination>, and one COPY puts the tree in place at /.
    private static IEnumerable<Instruction> PlanExtraFiles(IReadOnlyList<ExtraFile> extraFiles, List<ContextEntry> context)
    {
        var destinations = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var extra in extraFiles.OrderBy(e => e.Destination, StringComparer.Ordinal))
        {
            var destination = extra.Destination;
            if (!destination.StartsWith('/') || destination.EndsWith('/') || destination.Contains('\\')
                || destination[1..].Split('/').Any(segment => segment is "" or "." or ".."))
            {
                throw new PipelineImageException(DiagnosticCodes.InvalidFileDestination, extra.Item, destination);
            }

            if (!destinations.TryAdd(destination, extra.Item))
            {
                throw new PipelineImageException(DiagnosticCodes.DuplicateFileDestination, destinations[destination], extra.Item, destination);
            }

            context.Add(extra.File.At(FilesContextDirectory + destination));
        }

        return destinations.Count == 0 ? [] : [new CopyInstruction([FilesContextDirectory + "/"], "/")];
    }

    // The tree keeps its shape under /src: the top-level files in one COPY, each top-level directory in its own
    // (COPY of a directory copies its contents, so a directory cannot share a COPY with its siblings).
    private static IEnumerable<Instruction> PlanSourceFiles(IReadOnlyList<ContextEntry> sourceFiles, List<ContextEntry> context)
    {
        var topLevelFiles = new SortedSet<string>(StringComparer.Ordinal);
        var topLevelDirectories = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var entry in sourceFiles)
        {
            var slash = entry.ContextPath.IndexOf('/');
            if (entry.ContextPath.Split('/')[0] == ReservedDirectory)
            {
                throw new ArgumentException($"The source tree cannot contribute {entry.ContextPath}.", nameof(sourceFiles));
            }

            if (slash >= 0)
            {
                topLevelDirectories.Add(entry.ContextPath[..slash]);
            }
            else if (entry.Kind == ContextEntryKind.Directory)
            {
                topLevelDirectories.Add(entry.ContextPath);
            }
            else
            {
                topLevelFiles.Add(entry.ContextPath);
            }

            context.Add(entry);
        }

        if (topLevelFiles.Count > 0)
        {
            yield return new CopyInstruction([.. topLevelFiles.Select(EscapeCopySource)], SourceDirectory + "/");
        }

        foreach (var directory in topLevelDirectories)
        {
            yield return new CopyInstruction([EscapeCopySource(directory) + "/"], $"{SourceDirectory}/{directory}/");
        }
    }

    // COPY sources are patterns (filepath.Match): a literal *, ?, [ or \ in a name needs a backslash.
    private static string EscapeCopySource(string path)
    {
        var escaped = new StringBuilder(path.Length);
        foreach (var c in path)
        {
            if (c is '*' or '?' or '[' or '\\')
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }

    /// <summary>The image's name: PipelineImageName, validated, or derived from the AssemblyName, in the first registry.</summary>
    /// <exception cref="PipelineImageException">PIMG2001, PIMG2002 or PIMG2026.</exception>
    public static string ResolveName(PublishedApp app, ImageSettings settings) => ResolveNames(app, settings)[0];

    /// <summary>
    /// The image's names: the name in each registry of PipelineImageRegistry (a list, the first one the image's own),
    /// or the name alone without a registry. A name given with one of the registries in front is the same name.
    /// </summary>
    /// <exception cref="PipelineImageException">PIMG2001, PIMG2002 or PIMG2026.</exception>
    /// <exception cref="PipelineImageProblemsException">Several of them: an invalid name and an invalid registry are both reported.</exception>
    public static IReadOnlyList<string> ResolveNames(PublishedApp app, ImageSettings settings)
    {
        var problems = new Problems();
        var name = settings.Name.Trim();
        if (name.Length == 0)
        {
            name = problems.Check(() => ImageName.FromAssemblyName(app.AssemblyName));
        }
        else
        {
            problems.Check(() =>
            {
                ImageName.Validate(name);
                return name;
            });
        }

        var registries = settings.Registry.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(registry => registry.TrimEnd('/')).Where(registry => registry.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        foreach (var registry in registries)
        {
            problems.Check(() => InRegistry("name", registry));
        }

        problems.ThrowIfAny();
        if (registries.Count == 0)
        {
            return [name!];
        }

        var bare = registries.FirstOrDefault(registry => name!.StartsWith(registry + "/", StringComparison.Ordinal)) is { } given ? name![(given.Length + 1)..] : name!;
        return registries.Select(registry => InRegistry(bare, registry)).Distinct(StringComparer.Ordinal).ToList();
    }

    private static string InRegistry(string name, string registry)
    {
        // The registry's first component must read as a host, or Docker would take it for a Docker Hub namespace.
        if (registry.Contains("://", StringComparison.Ordinal) || !RegistryHost.IsHost(registry.Split('/')[0]))
        {
            throw new PipelineImageException(DiagnosticCodes.InvalidRegistry, registry);
        }

        try
        {
            ImageName.Validate($"{registry}/{name}");
        }
        catch (PipelineImageException e)
        {
            throw new PipelineImageException(e, DiagnosticCodes.InvalidRegistry, registry);
        }

        return $"{registry}/{name}";
    }

    private static IReadOnlyList<string> ResolveTags(ImageSettings settings)
    {
        var given = settings.Tags.Select(tag => tag.Trim()).Where(tag => tag.Length > 0).ToList();
        if (given.Count == 0)
        {
            var variant = settings.FrameworkVariant.Trim();
            var version = settings.Version.Trim().Length > 0 ? ImageName.TagFromVersion(settings.Version.Trim()) : "";
            given = (version.Length > 0, variant.Length > 0) switch
            {
                (true, true) => [$"{version}-{variant}", variant],
                (true, false) => [version, "latest"],
                (false, true) => [variant],
                (false, false) => ["latest"],
            };
        }

        var tags = given.Distinct(StringComparer.Ordinal).ToList();
        tags.ForEach(ImageName.ValidateTag);
        return tags;
    }

    /// <summary>PipelineImageBase, validated, or the default base for the app (<see cref="BaseImage.Choose"/>).</summary>
    public static string ResolveBaseImage(PublishedApp app, ImageSettings settings)
    {
        var baseImage = settings.BaseImage.Trim();
        if (baseImage.Length == 0)
        {
            return BaseImage.Choose(app);
        }

        ImageName.ValidateReference(baseImage);
        return baseImage;
    }

    // Framework-dependent apps run through the base image's dotnet host: portable whatever the RID of the
    // machine that published them. Self-contained, single-file and native AOT apps have only their apphost.
    private static (IReadOnlyList<string> Command, string? Apphost) ResolveAppCommand(PublishedApp app, string appDirectory)
    {
        if (!app.SelfContained && !app.PublishAot && !app.SingleFile)
        {
            return (["dotnet", $"{DirectoryDestination(appDirectory)}{app.TargetFileName}"], null);
        }

        var shape = app.PublishAot ? "native AOT" : app.SingleFile ? "single-file" : "self-contained";
        if (!app.RuntimeIdentifier.StartsWith("linux-", StringComparison.Ordinal))
        {
            throw new PipelineImageException(DiagnosticCodes.RuntimeIdentifierNotLinux, app.RuntimeIdentifier, shape);
        }

        var apphost = app.AssemblyName;
        if (!app.Files.Any(file => file.RelativePath == apphost))
        {
            throw new PipelineImageException(DiagnosticCodes.NoApphost, apphost, shape);
        }

        return ([$"{DirectoryDestination(appDirectory)}{apphost}"], apphost);
    }

    private static int FrameworkMajor(PublishedApp app) =>
        Version.TryParse(app.TargetFrameworkVersion.TrimStart('v', 'V'), out var version) ? version.Major : 0;

    // A COPY destination that is a directory ends with '/'; so does "/" itself.
    private static string DirectoryDestination(string directory) => directory.EndsWith('/') ? directory : directory + "/";

    private static void CheckRelativePath(PublishedFile file)
    {
        var path = file.RelativePath;
        if (path.Length == 0 || path.StartsWith('/') || path.Split('/').Any(segment => segment is "" or "." or ".."))
        {
            throw new PipelineImageException(DiagnosticCodes.PublishFileOutsideOutput, file.SourcePath, path);
        }
    }
}
