using PipelineImage.Context;
using PipelineImage.Diagnostics;
using PipelineImage.Dockerfile;

namespace PipelineImage.Requirements;

/// <summary>
/// Turns the PipelineRequirement items and requirement settings into Dockerfile instructions, validating every
/// value first. The result depends only on the inputs as sets: items in any order give the same instructions.
/// <list type="number">
/// <item><c>USER root</c>, whatever user the base image sets.</item>
/// <item>One RUN with every OS package (the user's, the package lists' and, for pip on a base without Python,
/// <c>python3</c> with venv support), sorted and de-duplicated, without recommended packages and with the
/// package indexes removed afterwards.</item>
/// <item>With pip requirements: COPY of the requirements files into <see cref="RequirementsImageDirectory"/>; one
/// RUN that creates a venv in <see cref="VenvDirectory"/> and pip-installs the specifiers (sorted) and the files;
/// ENV putting the venv first on PATH.</item>
/// </list>
/// Every value in a RUN line is single-quoted, after it has passed its grammar.
/// </summary>
internal static class RequirementPlanner
{
    public const string VenvDirectory = "/opt/venv";

    /// <summary>
    /// Where requirements files are in the build context, as <c>.pipelineimage/requirements/&lt;n&gt;-&lt;file name&gt;</c>:
    /// under the directory the source tree never contributes.
    /// </summary>
    public const string RequirementsContextDirectory = ".pipelineimage/requirements";

    /// <summary>Where requirements files are copied in the image.</summary>
    public const string RequirementsImageDirectory = "/opt/pipelineimage/requirements";

    /// <summary>Where pip's cache is mounted, with a builder that has cache mounts.</summary>
    public const string PipCacheDirectory = "/root/.cache/pip";

    private const string PythonOrigin = "the Python that pip requirements need";

    // The apt configuration of Debian's and Ubuntu's images that deletes every package apt downloaded.
    private const string DockerClean = "/etc/apt/apt.conf.d/docker-clean";

    // Where it waits while the step runs: outside apt.conf.d, whose files apt reads whatever their names.
    private const string DockerCleanAside = "/etc/apt/docker-clean.pipelineimage";

    /// <summary>Plans the requirements.</summary>
    /// <param name="items">The PipelineRequirement items, in any order.</param>
    /// <param name="settings">The requirement properties.</param>
    /// <param name="baseImage">The FROM image (already validated), from which the OS family is guessed.</param>
    /// <param name="readText">
    /// Reads a file named by an item (its full path): the text, or null when there is no such file. Package list
    /// files are read for their packages, requirements files to check them; nothing else is read.
    /// </param>
    /// <param name="integrations">
    /// The integrations detected for the app's NuGet packages (<see cref="IntegrationCatalog.Detect"/>): their OS
    /// packages join the user's.
    /// </param>
    /// <param name="traits">What the base's own files say of it (<see cref="BaseImages.BaseFacts"/>); null: guessed from its reference.</param>
    /// <exception cref="PipelineImageException">PIMG5001 to PIMG5016, naming the item, the project file and the fix.</exception>
    public static RequirementPlan Plan(
        IReadOnlyList<RequirementItem> items,
        RequirementSettings settings,
        string baseImage,
        Func<string, string?> readText,
        IReadOnlyList<(Integration Integration, string PackageVersion)>? integrations = null,
        BaseImageTraits? traits = null)
    {
        integrations ??= [];
        var pipOptions = PipOptions(settings);
        OsPackageManager? propertyManager = null;
        if (settings.OsPackageManager.Trim().Length > 0)
        {
            propertyManager = OsPackageManagers.TryParse(settings.OsPackageManager, out var parsed)
                ? parsed
                : throw new PipelineImageException(DiagnosticCodes.InvalidOsPackageManager, settings.OsPackageManager);
        }

        if (items.Count == 0 && integrations.Count == 0)
        {
            return RequirementPlan.Empty;
        }

        // A stable order first, so that which item an error names does not depend on the order of the items.
        var resolved = items
            .OrderBy(item => item.Include, StringComparer.Ordinal)
            .ThenBy(item => item.Manager, StringComparer.Ordinal)
            .ThenBy(item => item.Version, StringComparer.Ordinal)
            .ThenBy(item => item.ProjectFile, StringComparer.Ordinal)
            .Select(RequirementClassifier.Classify)
            .ToList();

        traits ??= BaseImageFamily.Detect(baseImage);
        var integrationsWithPackages = integrations.Where(i => i.Integration.Packages.Values.Any(list => list.Count > 0)).ToList();
        if (traits.Family == OsFamily.Distroless && propertyManager is null)
        {
            if (resolved.Count == 0)
            {
                ThrowIntegrationWithoutManager(integrationsWithPackages, baseImage, "it is a chiseled or distroless image, with no shell and no package manager");
                return RequirementPlan.Empty with { Integrations = Matches(integrations, null) };
            }

            var first = resolved[0].Item;
            throw new PipelineImageException(DiagnosticCodes.BaseImageWithoutPackageManager, baseImage, first.Include, first.ProjectFile);
        }

        var osRequirements = resolved.Where(r => r is OsPackageRequirement or OsPackageListFile).ToList();
        var pipSpecifiers = resolved.OfType<PipSpecifierRequirement>().ToList();
        var pipFiles = resolved.OfType<PipRequirementsFile>().ToList();
        var needsPip = pipSpecifiers.Count > 0 || pipFiles.Count > 0;
        var needsPython = needsPip && !(settings.BaseHasPython ?? traits.HasPython);

        OsPackageManager? manager = null;
        var packages = new List<OsPackage>();
        if (osRequirements.Count > 0 || needsPython || integrationsWithPackages.Count > 0)
        {
            var chosen = ResolveManager(osRequirements, propertyManager, traits, baseImage);
            if (chosen is null)
            {
                if (resolved.Count == 0)
                {
                    ThrowIntegrationWithoutManager(integrationsWithPackages, baseImage, "PipelineImage.Tasks cannot tell its package manager from the reference");
                    return RequirementPlan.Empty with { Integrations = Matches(integrations, null) };
                }

                var first = osRequirements.Count > 0 ? osRequirements[0].Item : resolved[0].Item;
                throw new PipelineImageException(DiagnosticCodes.OsPackageManagerUnknown, first.Include, first.ProjectFile, baseImage);
            }

            manager = chosen.Value;
            foreach (var requirement in osRequirements)
            {
                packages.AddRange(requirement switch
                {
                    OsPackageRequirement package => [Validate(chosen.Value, package.Name, package.Version, package.Item.ToString(), package.Item.ProjectFile)],
                    OsPackageListFile list => ParsePackageList(Read(list.Item, list.SourcePath, readText), list.Item.Include)
                        .Select(entry => Validate(chosen.Value, entry.Name, entry.Version, $"line {entry.Line} of {list.Item}", list.Item.ProjectFile)),
                    _ => [],
                });
            }

            if (needsPython)
            {
                packages.AddRange(PythonPackages(chosen.Value).Select(name => new OsPackage(name, "", PythonOrigin)));
            }

            foreach (var (integration, _) in integrations)
            {
                packages.AddRange(integration.For(chosen.Value)
                    .Select(name => Validate(chosen.Value, name, "", integration.ToString(), integration.DefinedIn)));
            }
        }

        var projectFile = resolved.Count > 0 ? resolved[0].Item.ProjectFile : integrations[0].Integration.DefinedIn;
        var osPackages = MergeOsPackages(packages, projectFile);
        var specifiers = MergePipRequirements(pipSpecifiers);
        var files = pipFiles
            .DistinctBy(file => file.SourcePath, StringComparer.Ordinal)
            .OrderBy(file => file.SourcePath, StringComparer.Ordinal)
            .ToList();
        var context = new List<ContextEntry>();
        for (var i = 0; i < files.Count; i++)
        {
            CheckRequirementsFile(files[i], Read(files[i].Item, files[i].SourcePath, readText));
            context.Add(ContextEntry.FromFile(
                $"{RequirementsContextDirectory}/{i + 1}-{SafeFileName(Path.GetFileName(files[i].SourcePath))}", files[i].SourcePath));
        }

        var instructions = new List<Instruction> { new UserInstruction("root") };
        if (osPackages.Count > 0)
        {
            instructions.Add(OsInstall(manager!.Value, osPackages, settings.AptAuthSecret.Trim()));
        }

        if (needsPip)
        {
            if (context.Count > 0)
            {
                instructions.Add(new CopyInstruction([RequirementsContextDirectory + "/"], RequirementsImageDirectory + "/"));
            }

            var fileArguments = context.Select(entry =>
                $"-r {Shell.Quote(RequirementsImageDirectory + entry.ContextPath[RequirementsContextDirectory.Length..])}");
            instructions.Add(PipInstall(pipOptions, specifiers.Select(Shell.Quote).Concat(fileArguments).ToList(), settings.PipNetrcSecret.Trim()));
            instructions.Add(new EnvInstruction([
                new EnvVariable("VIRTUAL_ENV", VenvDirectory),
                new EnvVariable("PATH", VenvDirectory + "/bin:$PATH", Expand: true),
            ]));
        }

        // Package lists with no packages in them, and integrations with none for this manager, leave nothing to do.
        if (instructions.Count == 1)
        {
            return RequirementPlan.Empty with { Integrations = Matches(integrations, manager) };
        }

        return new RequirementPlan(
            instructions,
            context,
            manager is not null && osPackages.Count > 0 ? manager : null,
            osPackages.Select(package => Pinned(manager!.Value, package)).ToList(),
            specifiers)
        {
            Integrations = Matches(integrations, manager),
        };
    }

    private static IReadOnlyList<IntegrationMatch> Matches(
        IReadOnlyList<(Integration Integration, string PackageVersion)> integrations, OsPackageManager? manager) =>
        integrations.Select(i => new IntegrationMatch(i.Integration, i.PackageVersion, manager is { } m ? i.Integration.For(m) : [])).ToList();

    // Integrations whose entries have packages need a manager; entries without any (a user's override that empties
    // one) need nothing.
    private static void ThrowIntegrationWithoutManager(
        IReadOnlyList<(Integration Integration, string PackageVersion)> integrations, string baseImage, string why)
    {
        if (integrations.Count > 0)
        {
            var integration = integrations[0].Integration;
            var packages = string.Join(", ", integration.Packages.OrderBy(p => p.Key)
                .Where(p => p.Value.Count > 0).Select(p => $"{p.Key.Name()}: {string.Join(" ", p.Value)}"));
            throw new PipelineImageException(
                DiagnosticCodes.IntegrationWithoutPackageManager, integration.PackageId, packages, baseImage, why, integration.DefinedIn);
        }
    }

    /// <summary>
    /// Reads a package list file: one package a line, as <c>name</c> or <c>name=version</c>; <c>#</c> starts a
    /// comment (anywhere on a line), blank lines are skipped, spaces and tabs around a package are ignored, a BOM
    /// and CR LF line ends are accepted. Names and versions are checked later against the manager's grammar.
    /// </summary>
    /// <param name="text">The file's text.</param>
    /// <param name="fileName">The file's name, for error messages.</param>
    /// <exception cref="PipelineImageException">PIMG5013 for a line with several words, or an empty name or version.</exception>
    public static IReadOnlyList<PackageListEntry> ParsePackageList(string text, string fileName)
    {
        var entries = new List<PackageListEntry>();
        var lines = text.TrimStart('\uFEFF').Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var hash = line.IndexOf('#', StringComparison.Ordinal);
            var content = (hash >= 0 ? line[..hash] : line).Trim(' ', '\t', '\r');
            if (content.Length == 0)
            {
                continue;
            }

            string? problem = null;
            var equals = content.IndexOf('=', StringComparison.Ordinal);
            var name = equals >= 0 ? content[..equals] : content;
            var version = equals >= 0 ? content[(equals + 1)..] : "";
            if (content.Any(c => c is ' ' or '\t'))
            {
                problem = "it has more than one word; write one package a line";
            }
            else if (name.Length == 0)
            {
                problem = "it has no package name before '='";
            }
            else if (equals >= 0 && version.Length == 0)
            {
                problem = "it has '=' but no version after it";
            }

            if (problem is not null)
            {
                throw new PipelineImageException(DiagnosticCodes.InvalidPackageListLine, fileName, i + 1, content, problem);
            }

            entries.Add(new PackageListEntry(i + 1, name, version));
        }

        return entries;
    }

    // The manager the property, the base image or the items' Manager metadata imply; null when none does.
    private static OsPackageManager? ResolveManager(
        IReadOnlyList<ResolvedRequirement> osRequirements, OsPackageManager? property, BaseImageTraits traits, string baseImage)
    {
        var implied = property ?? OsPackageManagers.Of(traits.Family);
        var impliedBy = property is not null ? "PipelineImageOsPackageManager" : $"the base image '{baseImage}'";
        foreach (var requirement in osRequirements)
        {
            var named = requirement switch
            {
                OsPackageRequirement package => package.Manager,
                OsPackageListFile list => list.Manager,
                _ => null,
            };
            if (named is null)
            {
                continue;
            }

            if (implied is null)
            {
                implied = named;
                impliedBy = $"the Manager metadata of {requirement.Item}";
            }
            else if (named != implied)
            {
                throw new PipelineImageException(
                    DiagnosticCodes.OsPackageManagerConflict,
                    requirement.Item.Include, requirement.Item.ProjectFile, requirement.Item.Manager, implied.Value.Name(), impliedBy);
            }
        }

        return implied;
    }

    private static OsPackage Validate(OsPackageManager manager, string name, string version, string origin, string projectFile)
    {
        if (Grammar.OsPackageNameProblem(manager, name) is { } nameProblem)
        {
            throw new PipelineImageException(DiagnosticCodes.InvalidOsPackageName, name, origin, projectFile, manager.Name(), nameProblem);
        }

        if (version.Length > 0 && Grammar.OsPackageVersionProblem(manager, version) is { } versionProblem)
        {
            throw new PipelineImageException(
                DiagnosticCodes.InvalidOsPackageVersion, version, name, origin, projectFile, manager.Name(), versionProblem);
        }

        return new OsPackage(name, version, origin);
    }

    // Sorted by name; the same name unpinned and pinned is the pinned one, pinned to two versions an error.
    private static List<OsPackage> MergeOsPackages(List<OsPackage> packages, string projectFile)
    {
        var merged = new List<OsPackage>();
        foreach (var group in packages.GroupBy(package => package.Name, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var pinned = group.Where(package => package.Version.Length > 0)
                .DistinctBy(package => package.Version, StringComparer.Ordinal)
                .OrderBy(package => package.Version, StringComparer.Ordinal)
                .ToList();
            if (pinned.Count > 1)
            {
                throw new PipelineImageException(
                    DiagnosticCodes.ConflictingOsPackageVersions,
                    group.Key, pinned[0].Version, pinned[0].Origin, pinned[1].Version, pinned[1].Origin, projectFile);
            }

            merged.Add(pinned.Count == 1 ? pinned[0] : group.First());
        }

        return merged;
    }

    // Sorted by canonical name; the same requirement twice is one, the same name with different extras or
    // versions an error (pip would resolve them together or refuse, depending on its version).
    private static List<string> MergePipRequirements(List<PipSpecifierRequirement> specifiers)
    {
        var merged = new List<string>();
        foreach (var group in specifiers.GroupBy(s => s.Requirement.Name, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var distinct = group.DistinctBy(s => s.Requirement.ToString(), StringComparer.Ordinal)
                .OrderBy(s => s.Requirement.ToString(), StringComparer.Ordinal)
                .ToList();
            if (distinct.Count > 1)
            {
                throw new PipelineImageException(
                    DiagnosticCodes.ConflictingPipRequirements,
                    group.Key,
                    distinct[0].Requirement.ToString(), distinct[0].Item.ToString(),
                    distinct[1].Requirement.ToString(), distinct[1].Item.ToString(),
                    distinct[0].Item.ProjectFile);
            }

            merged.Add(distinct[0].Requirement.ToString());
        }

        return merged;
    }

    private static string Read(RequirementItem item, string path, Func<string, string?> readText) =>
        readText(path) ?? throw new PipelineImageException(DiagnosticCodes.RequirementFileMissing, item.Include, item.ProjectFile, path);

    // Only the named file is copied, so a reference to another file could not be resolved in the image.
    private static void CheckRequirementsFile(PipRequirementsFile file, string text)
    {
        var lines = text.TrimStart('\uFEFF').Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.StartsWith("-r", StringComparison.Ordinal) || line.StartsWith("-c", StringComparison.Ordinal)
                || line.StartsWith("--requirement", StringComparison.Ordinal) || line.StartsWith("--constraint", StringComparison.Ordinal))
            {
                throw new PipelineImageException(DiagnosticCodes.NestedRequirementFile, file.Item.Include, file.Item.ProjectFile, i + 1, line);
            }
        }
    }

    // Context paths are written into the Dockerfile and a RUN line: keep them to a safe alphabet.
    private static string SafeFileName(string name) =>
        new(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_').ToArray());

    private static IReadOnlyList<string> PythonPackages(OsPackageManager manager) => manager switch
    {
        OsPackageManager.Apt => ["python3", "python3-venv"],
        OsPackageManager.Apk => ["python3", "py3-pip"],
        OsPackageManager.Tdnf => ["python3"],
        _ => throw new ArgumentOutOfRangeException(nameof(manager)),
    };

    private static string Pinned(OsPackageManager manager, OsPackage package) =>
        package.Version.Length == 0 ? package.Name
        : manager == OsPackageManager.Tdnf ? $"{package.Name}-{package.Version}"
        : $"{package.Name}={package.Version}";

    // apt's lists and archives are cached where the builder has cache mounts: the step keeps them (no docker-clean
    // hook, which Debian's and Ubuntu's images install to delete every download, and no removal of the lists), so
    // the next build downloads only what changed. apk and tdnf run as they do without a cache.
    private static RunInstruction OsInstall(OsPackageManager manager, IReadOnlyList<OsPackage> packages, string aptAuthSecret)
    {
        var arguments = packages.Select(package => "    " + Shell.Quote(Pinned(manager, package))).ToList();
        switch (manager)
        {
            case OsPackageManager.Apt:
                string[] Install(string options)
                {
                    string[] install = [$"apt-get{options} update;", $"apt-get{options} install -y --no-install-recommends", .. arguments];
                    install[^1] += ";";
                    return install;
                }

                // A secret auth.conf for this step alone: apt reads it where Dir::Etc::netrc says, in its download
                // methods, which must then stay root (its _apt user cannot read a secret mount).
                var authOptions = aptAuthSecret.Length == 0 ? "" : $" -o Dir::Etc::netrc=/run/secrets/{aptAuthSecret} -o APT::Sandbox::User=root";
                var install = Install("");
                return new RunInstruction(["set -eu;", "export DEBIAN_FRONTEND=noninteractive;", .. install, "rm -rf /var/lib/apt/lists/*"])
                {
                    // apt locks its directories but fails, not waits, when another build holds them: the step first
                    // waits for a lock of its own on the cache (util-linux's flock, which Debian and Ubuntu always
                    // have), as BuildKit's sharing=locked would; buildah 1.28 (Podman 4.3) never releases that one.
                    Cached = new CachedRun(
                        [new CacheMount("/var/cache/apt"), new CacheMount("/var/lib/apt/lists")],
                        [
                            "set -eu;",
                            "export DEBIAN_FRONTEND=noninteractive;",
                            "exec 9>/var/cache/apt/pipelineimage.lock;",
                            "if command -v flock >/dev/null; then flock 9; fi;",
                            $"if [ -e {DockerClean} ]; then mv {DockerClean} {DockerCleanAside}; fi;",
                            .. Install(authOptions),
                            $"if [ -e {DockerCleanAside} ]; then mv {DockerCleanAside} {DockerClean}; fi",
                        ])
                    {
                        Secrets = aptAuthSecret.Length > 0 ? [aptAuthSecret] : [],
                    },
                };
            case OsPackageManager.Apk:
                return new RunInstruction(["set -eu;", "apk add --no-cache", .. arguments]);
            case OsPackageManager.Tdnf:
                arguments[^1] += ";";
                return new RunInstruction(["set -eu;", "tdnf install -y", .. arguments, "tdnf clean all"]);
            default:
                throw new ArgumentOutOfRangeException(nameof(manager));
        }
    }

    // pip's cache where the builder has cache mounts (wheels it downloaded and built), else none at all. With a netrc
    // secret, pip (through requests, which honours NETRC) reads the indexes' credentials from its mount, for this step
    // only; the step then has only its mounted form.
    private static RunInstruction PipInstall(IReadOnlyList<string> options, IReadOnlyList<string> arguments, string netrcSecret)
    {
        IEnumerable<string> Lines(string cacheOption, bool netrc) =>
        [
            "set -eu;",
            .. netrc ? [$"export NETRC=/run/secrets/{netrcSecret};"] : Array.Empty<string>(),
            $"python3 -m venv {VenvDirectory};",
            $"{VenvDirectory}/bin/pip install {cacheOption}",
            .. options.Concat(arguments).Select(argument => "    " + argument),
        ];

        return new RunInstruction(Lines("--no-cache-dir", false).ToList())
        {
            Cached = new CachedRun([new CacheMount(PipCacheDirectory)], Lines($"--cache-dir {PipCacheDirectory}", netrcSecret.Length > 0).ToList())
            {
                Secrets = netrcSecret.Length > 0 ? [netrcSecret] : [],
            },
        };
    }

    // --index-url, --extra-index-url and --find-links as given (de-duplicated, in order), then a --trusted-host for
    // each plain-http host, sorted.
    private static List<string> PipOptions(RequirementSettings settings)
    {
        var urls = new List<(string Option, string Property, string Url)>();
        if (settings.PipIndexUrl.Trim().Length > 0)
        {
            urls.Add(("--index-url", "PipelineImagePipIndexUrl", settings.PipIndexUrl.Trim()));
        }

        urls.AddRange(settings.PipExtraIndexUrls.Select(u => u.Trim()).Where(u => u.Length > 0).Distinct(StringComparer.Ordinal)
            .Select(u => ("--extra-index-url", "PipelineImagePipExtraIndexUrls", u)));
        urls.AddRange(settings.PipFindLinks.Select(u => u.Trim()).Where(u => u.Length > 0).Distinct(StringComparer.Ordinal)
            .Select(u => ("--find-links", "PipelineImagePipFindLinks", u)));

        foreach (var (_, property, url) in urls)
        {
            if (PipIndexUrl.Problem(url) is { } problem)
            {
                throw new PipelineImageException(DiagnosticCodes.InvalidPipIndexUrl, url, property, problem);
            }
        }

        var trustedHosts = urls.Select(u => PipIndexUrl.TrustedHost(u.Url)).OfType<string>()
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return urls.Select(u => $"{u.Option} {Shell.Quote(u.Url)}")
            .Concat(trustedHosts.Select(host => $"--trusted-host {Shell.Quote(host)}"))
            .ToList();
    }
}
