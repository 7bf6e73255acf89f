using System.Formats.Tar;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using PipelineImage.Engine;

namespace PipelineImage.Sbom;

/// <summary>
/// What one image layer says of the files a bill of materials reads: the wanted regular files it holds, as text, and
/// what it takes away from the layers under it: a whiteout (<c>.wh.name</c>) a path and all under it, an opaque
/// directory (<c>.wh..wh..opq</c>) all under it, any other entry at a wanted path (a link, a directory) that path.
/// Pure: a layer's tar in, its changes out; the layers of an image merged bottom up give its files, as the engine's
/// overlay would show them.
/// </summary>
/// <param name="Files">The wanted regular files, by absolute path.</param>
/// <param name="Removed">Whiteouts: each path and everything under it is gone from the layers below.</param>
/// <param name="Emptied">Opaque directories: everything under each is gone from the layers below.</param>
/// <param name="Replaced">Wanted paths that this layer makes something other than a file we read.</param>
internal sealed record LayerFiles(
    [property: JsonPropertyName("files")] IReadOnlyDictionary<string, string> Files,
    [property: JsonPropertyName("removed")] IReadOnlyList<string> Removed,
    [property: JsonPropertyName("emptied")] IReadOnlyList<string> Emptied,
    [property: JsonPropertyName("replaced")] IReadOnlyList<string> Replaced)
{
    private const string WhiteoutPrefix = ".wh.", OpaqueMarker = ".wh..wh..opq";

    /// <summary>
    /// Reads a layer's (uncompressed) tar for the files <paramref name="wanted"/> says, by their absolute path; and the
    /// paths <paramref name="probed"/> says, whatever they are: a directory with its owner and mode as its text
    /// (<see cref="BaseImages.BaseFacts.DirectoryMarker"/><c>uid:gid mode</c>, mode in octal), anything else (a file, a link) with none.
    /// </summary>
    public static async Task<LayerFiles> ReadAsync(Stream tar, Func<string, bool> wanted, CancellationToken cancellationToken, Func<string, bool>? probed = null)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        SortedSet<string> removed = new(StringComparer.Ordinal), emptied = new(StringComparer.Ordinal), replaced = new(StringComparer.Ordinal);
        await using var reader = new TarReader(tar, leaveOpen: true);
        while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
        {
            var path = Absolute(entry.Name);
            var slash = path.LastIndexOf('/');
            var (directory, name) = (path[..slash], path[(slash + 1)..]);
            if (name == OpaqueMarker)
            {
                emptied.Add(directory.Length == 0 ? "/" : directory);
                continue;
            }

            if (name.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
            {
                removed.Add($"{directory}/{name[WhiteoutPrefix.Length..]}");
                continue;
            }

            if (!wanted(path))
            {
                if (probed?.Invoke(path) == true)
                {
                    replaced.Remove(path);
                    files[path] = entry.EntryType == TarEntryType.Directory ? $"{BaseImages.BaseFacts.DirectoryMarker}{entry.Uid}:{entry.Gid} {Convert.ToString((int)entry.Mode, 8)}" : "";
                }

                continue;
            }

            var text = entry.EntryType switch
            {
                TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile when entry.DataStream is { } data =>
                    await new StreamReader(data, Encoding.UTF8).ReadToEndAsync(cancellationToken).ConfigureAwait(false),
                TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile => "",
                // A hard link's target is an earlier entry of the same layer.
                TarEntryType.HardLink when files.TryGetValue(Absolute(entry.LinkName), out var target) => target,
                _ => null,
            };
            if (text is null)
            {
                files.Remove(path);
                replaced.Add(path);
            }
            else
            {
                replaced.Remove(path);
                files[path] = text;
            }
        }

        return new LayerFiles(files, [.. removed], [.. emptied], [.. replaced]);
    }

    /// <summary>The files of an image whose layers are <paramref name="bottomUp"/>: each layer's changes over those below.</summary>
    public static IReadOnlyList<ImageFile> Merge(IEnumerable<LayerFiles> bottomUp)
    {
        var image = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var layer in bottomUp)
        {
            foreach (var path in layer.Removed)
            {
                image.Remove(path);
                RemoveUnder(image, path);
            }

            foreach (var directory in layer.Emptied)
            {
                RemoveUnder(image, directory);
            }

            foreach (var path in layer.Replaced)
            {
                image.Remove(path);
            }

            foreach (var (path, text) in layer.Files)
            {
                image[path] = text;
            }
        }

        return image.Select(file => new ImageFile(file.Key, file.Value)).ToList();
    }

    public string ToJson() => JsonSerializer.Serialize(this, Options) + "\n";

    /// <summary>A layer's changes as <see cref="ToJson"/> wrote them; null for anything else.</summary>
    public static LayerFiles? FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<LayerFiles>(json, Options) is { Files: not null, Removed: not null, Emptied: not null, Replaced: not null } read
                ? read : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // Tar names are relative ("etc/x", "./etc/x"), sometimes absolute; directories end in "/".
    private static string Absolute(string name)
    {
        var path = name.Replace('\\', '/');
        while (path.StartsWith("./", StringComparison.Ordinal))
        {
            path = path[2..];
        }

        return "/" + path.Trim('/');
    }

    private static void RemoveUnder(SortedDictionary<string, string> image, string directory)
    {
        var prefix = directory.EndsWith('/') ? directory : directory + "/";
        foreach (var path in image.Keys.Where(path => path.StartsWith(prefix, StringComparison.Ordinal)).ToList())
        {
            image.Remove(path);
        }
    }

    private static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, TypeInfoResolver = SbomJson.Default };
}
