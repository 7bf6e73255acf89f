using PipelineImage.Diagnostics;
using PipelineImage.Engine;

namespace PipelineImage.Builders;

/// <summary>
/// What the builder's machine runs: its own platform and, through emulators the kernel hands foreign binaries to
/// (QEMU registered with binfmt_misc), others. A platform with RUN steps that neither the builder nor a builder node
/// (PipelineImageBuilderNode) runs is PIMG1020 before anything is built, rather than an <c>exec format error</c> in
/// the middle of a build.
/// </summary>
internal static class Emulation
{
    /// <summary>Where the kernel lists the interpreters registered for foreign binaries.</summary>
    public const string BinfmtMisc = "/proc/sys/fs/binfmt_misc";

    // The names QEMU's registrations have (qemu-user-static's and tonistiigi/binfmt's: qemu-<its name of the architecture>)
    // and the architecture each is in a platform.
    private static readonly Dictionary<string, string> QemuArchitectures = new(StringComparer.Ordinal)
    {
        ["qemu-aarch64"] = "arm64",
        ["qemu-arm"] = "arm",
        ["qemu-x86_64"] = "amd64",
        ["qemu-i386"] = "386",
        ["qemu-riscv64"] = "riscv64",
        ["qemu-ppc64le"] = "ppc64le",
        ["qemu-s390x"] = "s390x",
        ["qemu-mips64el"] = "mips64le",
        ["qemu-loongarch64"] = "loong64",
    };

    /// <summary>
    /// The platforms this machine runs: <paramref name="own"/>, what that runs natively (386 on amd64), and, for each
    /// enabled QEMU registration in <paramref name="binfmtMisc"/> with the F flag (the kernel holds the interpreter, so
    /// that a container's binaries find it without it in their file system), that architecture on the same OS. Null
    /// (not known) off Linux or where binfmt_misc is not mounted: the engine behind a local socket then runs in a VM
    /// (Docker Desktop, Colima, Podman machine) or this is a container given the engine's socket, and the kernel that
    /// runs the build is not this one.
    /// </summary>
    /// <param name="own">The machine's platform (the engine's, <c>os/arch</c>).</param>
    /// <param name="binfmtMisc">binfmt_misc's directory.</param>
    public static IReadOnlyList<string>? Runs(string own, string binfmtMisc)
    {
        if (!OperatingSystem.IsLinux() || !File.Exists(Path.Combine(binfmtMisc, "status")))
        {
            return null;
        }

        var os = own.Split('/')[0];
        var runs = new List<string> { own };
        if (BuildPlatform.CanBuild(own, "linux/amd64"))
        {
            runs.Add($"{os}/386");
        }

        if (Lines(Path.Combine(binfmtMisc, "status")).FirstOrDefault() == "enabled")
        {
            runs.AddRange(QemuArchitectures.Where(entry => Registered(Path.Combine(binfmtMisc, entry.Key))).Select(entry => $"{os}/{entry.Value}")
                .Order(StringComparer.Ordinal));
        }

        return runs;
    }

    /// <summary>
    /// The platforms of a plan with RUN steps that its builder runs neither natively nor emulated and no builder node
    /// builds, each with its PIMG1020: raised before anything is built unless the registry has that platform's
    /// requirements base already (built by a node, or by another runner).
    /// </summary>
    /// <param name="platforms">The plan's platforms (PipelineImagePlatforms, or PipelineImagePlatform's one); empty: the builder's own.</param>
    /// <param name="builder">The builder, for the message: the engine or BuildKit host and where it is.</param>
    /// <param name="runs">The platforms the builder runs; null: not known (an engine on another machine), and the build finds out.</param>
    /// <param name="nodePlatforms">The platforms builder nodes build.</param>
    public static IReadOnlyDictionary<string, PipelineImageException> Unrunnable(IReadOnlyList<string> platforms, string builder, IReadOnlyList<string>? runs,
        IReadOnlyCollection<string> nodePlatforms)
    {
        var unrunnable = new Dictionary<string, PipelineImageException>(StringComparer.Ordinal);
        if (runs is null)
        {
            return unrunnable;
        }

        // 32-bit arm on an arm64 machine: some run it natively, some do not; not judged here.
        foreach (var platform in platforms.Where(platform => platform.Length > 0 && !nodePlatforms.Contains(platform)
            && !(platform.Split('/')[1] == "arm" && runs.Any(run => BuildPlatform.CanBuild(run, "linux/arm64")))))
        {
            if (!runs.Any(run => BuildPlatform.CanBuild(run, platform)))
            {
                unrunnable[platform] = new PipelineImageException(DiagnosticCodes.NoEmulator, platform, builder, string.Join(", ", runs));
            }
        }

        return unrunnable;
    }

    // An enabled registration whose interpreter the kernel opened when it was registered (flags with F).
    private static bool Registered(string path)
    {
        var lines = Lines(path);
        return lines.FirstOrDefault() == "enabled" && lines.Any(line => line.StartsWith("flags:", StringComparison.Ordinal) && line.Contains('F', StringComparison.Ordinal));
    }

    // A binfmt_misc file's lines; none when it cannot be read.
    private static IReadOnlyList<string> Lines(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllLines(path) : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
