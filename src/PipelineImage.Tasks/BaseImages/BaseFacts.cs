using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using PipelineImage.Requirements;

namespace PipelineImage.BaseImages;

/// <summary>A user of a base image, from its <c>/etc/passwd</c>.</summary>
internal sealed record BaseUser(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("uid")] long Uid,
    [property: JsonPropertyName("gid")] long Gid,
    [property: JsonPropertyName("home")] string Home);

/// <summary>A group of a base image, from its <c>/etc/group</c>.</summary>
internal sealed record BaseGroup(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("gid")] long Gid);

/// <summary>
/// What a base image holds, as far as planning on it needs: read from its layers' files (merged bottom up, whiteouts
/// applied) once per image id, and kept with what else was read of the base.
/// </summary>
/// <param name="OsRelease">os-release's fields (<c>ID</c>, <c>ID_LIKE</c>, <c>VERSION_ID</c>...); empty: it has none.</param>
/// <param name="Users">Its <c>/etc/passwd</c>; empty: it has none.</param>
/// <param name="Groups">Its <c>/etc/group</c>.</param>
/// <param name="Shell">The path of its <c>sh</c>; null: it has none, and cannot run a RUN step.</param>
/// <param name="Runtimes">The shared frameworks it holds, as <c>Microsoft.NETCore.App/10.0.12</c>.</param>
/// <param name="Paths">What it has at the top two levels (<c>/home/app</c>, <c>/tmp</c>...), where homes are.</param>
internal sealed partial record BaseFacts(
    [property: JsonPropertyName("osRelease")] IReadOnlyDictionary<string, string> OsRelease,
    [property: JsonPropertyName("users")] IReadOnlyList<BaseUser> Users,
    [property: JsonPropertyName("groups")] IReadOnlyList<BaseGroup> Groups,
    [property: JsonPropertyName("shell")] string? Shell,
    [property: JsonPropertyName("runtimes")] IReadOnlyList<string> Runtimes,
    [property: JsonPropertyName("paths")] IReadOnlyList<string> Paths)
{
    /// <summary>
    /// The owner and mode of its directories among <see cref="Paths"/>, as <c>uid:gid mode</c> (<c>1654:1654 755</c>, the
    /// mode in octal); empty where they were not read (facts kept before they were).
    /// </summary>
    [JsonPropertyName("directories")]
    public IReadOnlyDictionary<string, string> Directories { get; init; } = new Dictionary<string, string>();

    /// <summary>An image with no files at all: <c>scratch</c>.</summary>
    public static readonly BaseFacts Empty = new(new Dictionary<string, string>(), [], [], null, [], []);

    /// <summary>What the text of a probed directory starts with, before its <c>uid:gid mode</c> (as the layers' reader gives it).</summary>
    public const string DirectoryMarker = "directory ";

    private static readonly string[] Shells = ["/bin/sh", "/usr/bin/sh"];
    private static readonly string[] Texts = ["/etc/os-release", "/usr/lib/os-release", "/etc/passwd", "/etc/group"];

    // A shared framework's directory, or a file in it (a layer need not hold the directory's own entry).
    [GeneratedRegex(@"\A/usr/(?:share|lib|lib64)/dotnet/shared/(Microsoft\.[A-Za-z]+\.App)/([^/]+)(?:/[^/]+)?\z")]
    private static partial Regex Framework();

    /// <summary>The files whose text is read from each layer.</summary>
    public static bool IsRead(string path) => Array.IndexOf(Texts, path) >= 0;

    /// <summary>The paths whose presence alone counts: shells, shared frameworks' directories, the top two levels.</summary>
    public static bool IsProbed(string path) =>
        Array.IndexOf(Shells, path) >= 0 || Framework().IsMatch(path) || AtTopTwoLevels(path);

    /// <summary>Whether the path is at the top two levels (<c>/home</c>, <c>/home/app</c>), which <see cref="Paths"/> holds.</summary>
    public static bool AtTopTwoLevels(string path) => path.Count(c => c == '/') <= 2;

    /// <summary>The facts of an image whose merged files (<see cref="IsRead"/> with their text, <see cref="IsProbed"/> present) are these.</summary>
    public static BaseFacts FromFiles(IReadOnlyDictionary<string, string> files)
    {
        var osRelease = files.TryGetValue("/etc/os-release", out var os) ? os : files.GetValueOrDefault("/usr/lib/os-release");
        var users = new List<BaseUser>();
        foreach (var fields in Lines(files.GetValueOrDefault("/etc/passwd")).Select(line => line.Split(':')).Where(fields => fields.Length >= 6))
        {
            if (long.TryParse(fields[2], out var uid) && long.TryParse(fields[3], out var gid))
            {
                users.Add(new BaseUser(fields[0], uid, gid, fields[5]));
            }
        }

        return new BaseFacts(
            OsReleaseFields(osRelease),
            users,
            Lines(files.GetValueOrDefault("/etc/group")).Select(line => line.Split(':'))
                .Where(fields => fields.Length >= 3 && fields[0].Length > 0 && long.TryParse(fields[2], out _))
                .Select(fields => new BaseGroup(fields[0], long.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture))).ToList(),
            Shells.FirstOrDefault(files.ContainsKey),
            files.Keys.Select(path => Framework().Match(path)).Where(match => match.Success)
                .Select(match => $"{match.Groups[1].Value}/{match.Groups[2].Value}").Distinct().Order(StringComparer.Ordinal).ToList(),
            files.Keys.Where(path => AtTopTwoLevels(path) && !IsRead(path)).Order(StringComparer.Ordinal).ToList())
        {
            Directories = new SortedDictionary<string, string>(files
                .Where(file => AtTopTwoLevels(file.Key) && file.Value.StartsWith(DirectoryMarker, StringComparison.Ordinal))
                .ToDictionary(file => file.Key, file => file.Value[DirectoryMarker.Length..]), StringComparer.Ordinal),
        };
    }

    /// <summary>What os-release says of the distribution: <c>Ubuntu 24.04.1 LTS</c>; null without one.</summary>
    [JsonIgnore]
    public string? Distribution => OsRelease.GetValueOrDefault("PRETTY_NAME")
        ?? (OsRelease.GetValueOrDefault("ID") is { } id ? $"{id} {OsRelease.GetValueOrDefault("VERSION_ID")}".Trim() : null);

    /// <summary>The family os-release names (<c>ID</c>, then <c>ID_LIKE</c>); distroless without a shell; null when neither tells.</summary>
    public OsFamily? Family()
    {
        if (Shell is null)
        {
            return OsFamily.Distroless;
        }

        var ids = new[] { OsRelease.GetValueOrDefault("ID") ?? "" }
            .Concat((OsRelease.GetValueOrDefault("ID_LIKE") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries));
        foreach (var id in ids)
        {
            switch (id.ToLowerInvariant())
            {
                case "debian" or "ubuntu":
                    return OsFamily.Debian;
                case "alpine":
                    return OsFamily.Alpine;
                case "azurelinux" or "mariner":
                    return OsFamily.AzureLinux;
            }
        }

        return null;
    }

    /// <summary>Whether the user can write the directory, as its owner and mode say; null: not known (not read).</summary>
    public bool? WritableBy(string directory, BaseUser user)
    {
        if (!Directories.TryGetValue(directory, out var metadata) || metadata.Split(' ', ':') is not [var uid, var gid, var octal]
            || !long.TryParse(uid, out var ownerUid) || !long.TryParse(gid, out var ownerGid))
        {
            return null;
        }

        var mode = Convert.ToInt32(octal, 8);
        return user.Uid == 0 || (ownerUid == user.Uid && (mode & 0x80) != 0) || (ownerGid == user.Gid && (mode & 0x10) != 0) || (mode & 0x2) != 0;
    }

    /// <summary>The user by name, or by uid when <paramref name="user"/> is one.</summary>
    public BaseUser? FindUser(string user) => long.TryParse(user, out var uid)
        ? Users.FirstOrDefault(u => u.Uid == uid)
        : Users.FirstOrDefault(u => u.Name == user);

    /// <summary>
    /// The numeric owner (<c>uid:gid</c>) of what the image's user (<c>name</c> or <c>uid</c>, optionally <c>:group</c>
    /// or <c>:gid</c>) owns: a name as its passwd or group entry says; without a group, the user's own group, or 0
    /// for a uid the base does not know (the group a process of that uid runs with). Null: a name the base lacks.
    /// </summary>
    public string? OwnerOf(string user)
    {
        var (name, group) = user.IndexOf(':') is var colon and >= 0 ? (user[..colon], user[(colon + 1)..]) : (user, "");
        var entry = FindUser(name);
        long? uid = long.TryParse(name, out var number) ? number : entry?.Uid;
        long? gid = group.Length == 0 ? entry?.Gid ?? (uid is null ? null : 0)
            : long.TryParse(group, out var groupNumber) ? groupNumber
            : Groups.FirstOrDefault(g => g.Name == group)?.Gid;
        return uid is null || gid is null ? null : $"{uid}:{gid}";
    }

    public string ToJson() => JsonSerializer.Serialize(this, Options) + "\n";

    /// <summary>The facts <see cref="ToJson"/> wrote; null for anything else.</summary>
    public static BaseFacts? FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<BaseFacts>(json, Options) is { OsRelease: not null, Users: not null, Groups: not null, Runtimes: not null, Paths: not null } read
                ? read : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static IEnumerable<string> Lines(string? text) =>
        (text ?? "").Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0 && !line.StartsWith('#'));

    // KEY=value, the value possibly quoted (os-release(5)).
    private static SortedDictionary<string, string> OsReleaseFields(string? text)
    {
        var fields = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in Lines(text))
        {
            var equals = line.IndexOf('=');
            if (equals > 0)
            {
                fields[line[..equals]] = line[(equals + 1)..].Trim('"', '\'');
            }
        }

        return fields;
    }

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = false, TypeInfoResolver = BaseImagesJson.Default };
}
