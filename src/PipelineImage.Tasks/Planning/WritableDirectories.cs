using PipelineImage.Context;
using PipelineImage.Diagnostics;
using PipelineImage.Dockerfile;

namespace PipelineImage.Planning;

/// <summary>What the base image's files tell the planner of its users and directories; null where they were not read.</summary>
/// <param name="OwnerOf">The numeric owner (<c>uid:gid</c>) of a user as PipelineImageUser names it; null: the base has no such user or group.</param>
/// <param name="Paths">What the base has at its top two levels (<c>/var</c>, <c>/var/lib</c>): the directories a COPY goes into.</param>
internal sealed record BaseAccounts(Func<string, string?> OwnerOf, IReadOnlyCollection<string> Paths);

/// <summary>The COPY steps of the directories the user owns, and the empty directories they take from the build context.</summary>
internal sealed record WritableSteps(IReadOnlyList<Instruction> Instructions, IReadOnlyList<ContextEntry> Context);

/// <summary>
/// The directories the image's user owns (PipelineImageWritableWorkingDirectory, @(PipelineImageWritableDirectory)):
/// a <c>COPY --chown=uid:gid</c> of empty directories after the app's files, which our assembler writes as a layer
/// of entries with that owner. Each COPY goes into a directory the image already has, whose own owner COPY leaves
/// alone on every builder; the directories it lacks on the way are created owned by the user too (as BuildKit and
/// Podman create them, where the classic builder would create them as root's). The files in them stay root's.
/// </summary>
internal static class WritableDirectories
{
    private const string ContextDirectory = ImagePlanner.ReservedDirectory + "/writable";
    private const UnixFileMode DirectoryMode = (UnixFileMode)0x1ED; // 0755

    /// <param name="directories">The directories, normalized, parents before children (<see cref="ImageConfiguration.WritableDirectories"/>).</param>
    /// <param name="user">PipelineImageUser, validated.</param>
    /// <param name="workingDirectory">The working directory, which WORKDIR makes before any COPY.</param>
    /// <param name="baseImage">The base, for the message.</param>
    /// <param name="accounts">What the base's files say; null: they were not read.</param>
    /// <exception cref="PipelineImageException">PIMG2047 when the user's numeric ids are not known.</exception>
    public static WritableSteps Plan(
        IReadOnlyList<string> directories, string user, string workingDirectory, string baseImage, BaseAccounts? accounts)
    {
        var instructions = new List<Instruction>();
        var context = new List<ContextEntry>();
        if (directories.Count == 0)
        {
            return new WritableSteps(instructions, context);
        }

        var owner = NumericIds(user) ?? accounts?.OwnerOf(user)
            ?? throw new PipelineImageException(DiagnosticCodes.WritableDirectoryOwnerUnknown, string.Join(", ", directories), baseImage, user,
                accounts is null ? "its files could not be read" : "its /etc/passwd or /etc/group has no such entry");
        var existing = new HashSet<string>(accounts?.Paths ?? [], StringComparer.Ordinal) { "/" };
        for (var path = workingDirectory; path != "/"; path = Parent(path))
        {
            existing.Add(path);
        }

        foreach (var directory in directories)
        {
            // The nearest directory the image has, and what is to be made below it, top down.
            var missing = new Stack<string>();
            var into = directory;
            do
            {
                missing.Push(into);
                into = Parent(into);
            }
            while (!existing.Contains(into));

            var source = $"{ContextDirectory}/{instructions.Count}";
            foreach (var path in missing)
            {
                context.Add(ContextEntry.FromDirectory(source + path[into.TrimEnd('/').Length..], DirectoryMode));
                existing.Add(path);
            }

            instructions.Add(new CopyInstruction([source + "/"], into == "/" ? "/" : into + "/") { Chown = owner });
        }

        return new WritableSteps(instructions, context);
    }

    // uid:gid given as numbers needs nothing of the base.
    private static string? NumericIds(string user) =>
        user.Split(':') is [var uid, var gid] && uid.All(char.IsAsciiDigit) && gid.All(char.IsAsciiDigit) ? user : null;

    private static string Parent(string path) => path.LastIndexOf('/') is var slash and > 0 ? path[..slash] : "/";
}
