using System.Formats.Tar;
using System.Text;
using PipelineImage.Registry;

namespace PipelineImage.Tests.ImageStore;

/// <summary>What an engine's save writes, made for a test: a docker-archive, or an OCI layout (with an index per platform).</summary>
internal static class SavedArchives
{
    /// <summary>A fake engine that holds one image, <paramref name="reference"/> with <paramref name="id"/>, and saves it as <paramref name="archive"/>.</summary>
    public static Tasks.FakeContainerEngine EngineHolding(string id, string reference, byte[] archive)
    {
        var engine = new Tasks.FakeContainerEngine();
        engine.Add(id, null, reference);
        engine.Archives[id] = archive;
        return engine;
    }

    /// <summary>A configuration with these diff_ids.</summary>
    public static byte[] Config(params string[] diffIds) => Encoding.UTF8.GetBytes(
        """{"architecture":"amd64","os":"linux","config":{"User":"app"},"rootfs":{"type":"layers","diff_ids":["""
        + string.Join(",", diffIds.Select(id => $"\"{id}\"")) + "]}}");

    /// <summary>A docker-archive (Docker before 25, Podman): each layer as <c>&lt;n&gt;/layer.tar</c>, then the config and manifest.json.</summary>
    public static byte[] DockerArchive(params byte[][] layers)
    {
        var config = Config([.. layers.Select(layer => ContentDigest.Of(layer))]);
        var entries = layers.Select((layer, i) => ($"{i}/layer.tar", layer)).ToList();
        entries.Add(("config.json", config));
        entries.Add(("manifest.json", Encoding.UTF8.GetBytes(
            """[{"Config":"config.json","RepoTags":null,"Layers":[""" + string.Join(",", layers.Select((_, i) => $"\"{i}/layer.tar\"")) + "]}]")));
        return Tar(entries);
    }

    /// <summary>An OCI layout (Docker 25 and later) whose index.json names an index for arm64 and amd64; the layers gzipped as the store keeps them.</summary>
    public static (byte[] Archive, string ManifestDigest) Layout(params (byte[] Gzip, string DiffId)[] layers)
    {
        var config = Config([.. layers.Select(layer => layer.DiffId)]);
        var manifest = Encoding.UTF8.GetBytes(
            $$"""{"schemaVersion":2,"mediaType":"{{MediaTypes.OciManifest}}","config":{{Entry(MediaTypes.OciConfig, config, null)}},"layers":["""
            + string.Join(",", layers.Select(layer => Entry(MediaTypes.OciLayer, layer.Gzip, null))) + "]}");
        var other = Encoding.UTF8.GetBytes("""{"schemaVersion":2,"config":{},"layers":[]}""");
        var list = Encoding.UTF8.GetBytes(
            $$"""{"schemaVersion":2,"mediaType":"{{MediaTypes.OciIndex}}","manifests":[{{Entry(MediaTypes.OciManifest, other, "arm64")}},{{Entry(MediaTypes.OciManifest, manifest, "amd64")}}"""
            + "]}");
        var index = Encoding.UTF8.GetBytes($$"""{"schemaVersion":2,"mediaType":"{{MediaTypes.OciIndex}}","manifests":[{{Entry(MediaTypes.OciIndex, list, null)}}""" + "]}");
        var entries = layers.Select(layer => Blob(layer.Gzip)).Concat([Blob(config), Blob(manifest), Blob(other), Blob(list)]).ToList();
        entries.Add(("index.json", index));
        entries.Add(("oci-layout", """{"imageLayoutVersion":"1.0.0"}"""u8.ToArray()));
        return (Tar(entries), ContentDigest.Of(manifest));
    }

    // A descriptor, with a platform when given.
    private static string Entry(string mediaType, byte[] blob, string? architecture) =>
        $$"""{"mediaType":"{{mediaType}}","digest":"{{ContentDigest.Of(blob)}}","size":{{blob.Length}}"""
        + (architecture is null ? "}" : ""","platform":{"os":"linux","architecture":""" + $"\"{architecture}\"" + "}}");

    private static (string, byte[]) Blob(byte[] bytes) => ($"blobs/sha256/{ContentDigest.Of(bytes)["sha256:".Length..]}", bytes);

    public static byte[] Tar(IEnumerable<(string Name, byte[] Data)> entries)
    {
        using var archive = new MemoryStream();
        using (var writer = new TarWriter(archive, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, data) in entries)
            {
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
            }
        }

        return archive.ToArray();
    }
}
