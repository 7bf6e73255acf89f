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
    /// The platforms this machine runs: <paramref name="own"/> and, for each enabled QEMU registration in
    /// <paramref name="binfmtMisc"/>, that architecture on the same OS. Only the own platform when binfmt_misc is not
    /// mounted there, or is disabled.
    /// </summary>
    /// <param name="own">The machine's platform (the engine's, <c>os/arch</c>).</param>
    /// <param name="binfmtMisc">binfmt_misc's directory.</param>
    public static IReadOnlyList<string> Runs(string own, string binfmtMisc)
    {
        var runs = new List<string> { own };
        if (!Enabled(Path.Combine(binfmtMisc, "status")))
        {
            return runs;
        }

        var os = own.Split('/')[0];
        runs.AddRange(QemuArchitectures.Where(entry => Enabled(Path.Combine(binfmtMisc, entry.Key))).Select(entry => $"{os}/{entry.Value}").Order(StringComparer.Ordinal));
        return runs;
    }

    /// <summary>
    /// PIMG1020 unless each platform of a plan with RUN steps runs on its builder (natively, or emulated there) or has a
    /// builder node of its own.
    /// </summary>
    /// <param name="platforms">The plan's platforms (PipelineImagePlatforms, or PipelineImagePlatform's one); empty: the builder's own.</param>
    /// <param name="builder">The builder, for the message: the engine or BuildKit host and where it is.</param>
    /// <param name="runs">The platforms the builder runs; null: not known (an engine on another machine), and the build finds out.</param>
    /// <param name="nodePlatforms">The platforms builder nodes build.</param>
    /// <exception cref="PipelineImageException">PIMG1020, naming the platform and both ways out.</exception>
    public static void Check(IReadOnlyList<string> platforms, string builder, IReadOnlyList<string>? runs, IReadOnlyCollection<string> nodePlatforms)
    {
        if (runs is null)
        {
            return;
        }

        foreach (var platform in platforms.Where(platform => platform.Length > 0 && !nodePlatforms.Contains(platform)))
        {
            if (!runs.Any(run => BuildPlatform.CanBuild(run, platform)))
            {
                throw new PipelineImageException(DiagnosticCodes.NoEmulator, platform, builder, string.Join(", ", runs));
            }
        }
    }

    // binfmt_misc's files begin with "enabled" or "disabled"; one that cannot be read registers nothing.
    private static bool Enabled(string path)
    {
        try
        {
            return File.Exists(path) && File.ReadLines(path).FirstOrDefault() == "enabled";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
