using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PipelineImage.Diagnostics;
using PipelineImage.Intermediate;
using PipelineImage.Naming;
using PipelineImage.Planning;
using PipelineImage.Registry;

namespace PipelineImage.Assembling;

/// <summary>
/// Assembles the image of a plan without an engine: on the base's manifest and configuration (from its registry, or
/// from an engine that holds it), writes our layers (each only when what it holds changed), and computes the
/// configuration and manifest; all into the assembled directory, with <see cref="AssemblyRecord"/> saying what is there.
/// </summary>
/// <param name="registry">The client of a registry, credentials resolved.</param>
/// <param name="log">Where progress goes.</param>
internal sealed class ImageAssembler(Func<string, RegistryClient> registry, Action<string> log)
{
    /// <param name="plan">The plan, with its assembly.</param>
    /// <param name="directory">The assembled directory.</param>
    /// <param name="baseContent">What the layers go on: the base image, or the requirements base (<see cref="ReadFromRegistryAsync"/>).</param>
    /// <param name="cancellationToken">Stops the writing.</param>
    /// <param name="layersFrom">
    /// Another assembled directory whose layers of the same key are copied rather than written again: another
    /// platform's image of the same plan (PipelineImagePlatforms), whose .NET layers are the same.
    /// </param>
    public async Task<AssemblyRecord> AssembleAsync(PlanFile plan, string directory, BaseContent baseContent, CancellationToken cancellationToken,
        string? layersFrom = null)
    {
        var assembly = plan.Assembly ?? throw new PipelineImageException(DiagnosticCodes.InvalidPlan, directory, "has no assembly (it was written by an earlier version)");
        var earlier = AssemblyRecord.Read(directory)?.Layers.ToDictionary(layer => layer.Key, StringComparer.Ordinal) ?? [];
        var shared = layersFrom is null ? [] : AssemblyRecord.Read(layersFrom)?.Layers.ToDictionary(layer => layer.Key, StringComparer.Ordinal) ?? [];
        var sources = plan.Context.ToDictionary(entry => entry.Path, StringComparer.Ordinal);
        var layers = new List<RecordedLayer>();
        foreach (var layer in assembly.Layers)
        {
            var key = LayerKey(layer, assembly.Epoch, sources);
            if (earlier.TryGetValue(key, out var written) && File.Exists(AssemblyRecord.BlobPath(directory, written.Digest)))
            {
                layers.Add(written);
                continue;
            }

            if (shared.TryGetValue(key, out var same) && File.Exists(AssemblyRecord.BlobPath(layersFrom!, same.Digest)))
            {
                Directory.CreateDirectory(Path.Combine(directory, "blobs", "sha256"));
                File.Copy(AssemblyRecord.BlobPath(layersFrom!, same.Digest), AssemblyRecord.BlobPath(directory, same.Digest), overwrite: true);
                layers.Add(same);
                continue;
            }

            layers.Add(await WriteLayerAsync(layer, key, assembly.Epoch, sources, directory, cancellationToken).ConfigureAwait(false));
        }

        var manifestType = baseContent.ManifestMediaType;
        var config = ImageDocuments.Config(baseContent.Config, assembly, layers.Select(layer => layer.DiffId).ToList());
        var configDescriptor = new Descriptor(ImageDocuments.ConfigType(manifestType), ContentDigest.Of(config), config.Length);
        var manifest = ImageDocuments.Manifest(manifestType, configDescriptor,
            [.. baseContent.Layers, .. layers.Select(layer => new Descriptor(ImageDocuments.LayerType(manifestType), layer.Digest, layer.Size))]);
        await WriteBlobAsync(directory, configDescriptor.Digest, config).ConfigureAwait(false);
        var manifestDigest = ContentDigest.Of(manifest);
        await WriteBlobAsync(directory, manifestDigest, manifest).ConfigureAwait(false);
        var record = new AssemblyRecord(baseContent.Name, baseContent.Digest, manifestType, manifestDigest, configDescriptor.Digest, layers)
        {
            BaseInEngine = baseContent.InEngine,
        };
        await AtomicFile.WriteIfChangedAsync(Path.Combine(directory, AssemblyRecord.FileName), record.ToJson()).ConfigureAwait(false);
        Prune(directory, [.. layers.Select(layer => layer.Digest), configDescriptor.Digest, manifestDigest, baseContent.ConfigDigest]);
        return record;
    }

    /// <summary>
    /// What a layer holds, as a digest: every entry's path, kind, mode, content hash or link target and owner, and the
    /// epoch. The same key is the same layer, so it is not written again.
    /// </summary>
    public static string LayerKey(PlannedLayer layer, long epoch, IReadOnlyDictionary<string, PlannedEntry> sources)
    {
        var text = new StringBuilder($"pipelineimage-layer-v1\nepoch {epoch}\n");
        foreach (var entry in layer.Entries)
        {
            var content = entry.From is { } from ? sources[from].Sha256 : entry.Target;
            text.Append(entry.Kind).Append(' ').Append(entry.Path).Append(' ').Append(entry.Mode).Append(' ').Append(content)
                .Append(entry.Owner is { } owner ? $" owner {owner}" : "").Append('\n');
        }

        return ContentDigest.Of(Encoding.UTF8.GetBytes(text.ToString()));
    }

    /// <summary>The platform a list's manifest is chosen for: PipelineImagePlatform, else this machine's Linux.</summary>
    public static string DefaultPlatform() => RuntimeInformation.OSArchitecture switch
    {
        Architecture.Arm64 => "linux/arm64",
        Architecture.Arm => "linux/arm/v7",
        Architecture.S390x => "linux/s390x",
        Architecture.Ppc64le => "linux/ppc64le",
        _ => "linux/amd64",
    };

    /// <summary>
    /// The digest of the base image's manifest for the platform (a list resolved as for the assembly), read from its
    /// registry: what pins the base in the requirements base's key.
    /// </summary>
    /// <exception cref="PipelineImageException">PIMG1018 when the base cannot be read from its registry.</exception>
    public async Task<string> ResolveAsync(string baseImage, string platform, CancellationToken cancellationToken)
    {
        var (name, found) = await GetManifestAsync(baseImage, platform, cancellationToken).ConfigureAwait(false);
        log($"The base image {baseImage} is {name}@{found.Digest}");
        return found.Digest;
    }

    // The base's image manifest for the platform.
    private async Task<(RepositoryName Name, (string MediaType, byte[] Bytes, string Digest) Found)> GetManifestAsync(string baseImage, string platform, CancellationToken cancellationToken)
    {
        var parts = ReferenceParts.Split(baseImage);
        var name = RepositoryName.Of(parts.Name);
        var client = registry(name.Registry);
        try
        {
            var reference = parts.Digest ?? (parts.Tag is { Length: > 0 } tag ? tag : "latest");
            var found = await client.GetManifestAsync(name.Path, reference, cancellationToken).ConfigureAwait(false)
                ?? throw Unreadable(baseImage, name, "the registry has no such image");
            if (MediaTypes.IsList(found.MediaType))
            {
                var wanted = platform.Length > 0 ? platform : DefaultPlatform();
                var digest = ChoosePlatform(found.Bytes, wanted) ?? throw Unreadable(baseImage, name, $"its list has no image for {wanted} (set PipelineImagePlatform to one it has)");
                found = await client.GetManifestAsync(name.Path, digest, cancellationToken).ConfigureAwait(false)
                    ?? throw Unreadable(baseImage, name, $"the registry lists {digest} for {wanted} and has no such manifest");
            }

            return found.MediaType is MediaTypes.DockerManifest or MediaTypes.OciManifest
                ? (name, found)
                : throw Unreadable(baseImage, name, $"its manifest is a {(found.MediaType.Length > 0 ? found.MediaType : "document without a media type")}, not an image manifest (schema 2 or OCI)");
        }
        catch (RegistryException e)
        {
            throw RegistryClients.BaseFailure(e, baseImage);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw Unreadable(baseImage, name, $"its list is not a manifest list ({e.Message})");
        }
    }

    /// <summary>
    /// The base's manifest for the platform, from its registry every time (its tag may have moved), and its
    /// configuration, kept in the assembled directory by digest after the first read (a digest names the same bytes
    /// for ever).
    /// </summary>
    /// <param name="baseImage">The base image, or the requirements base, by reference.</param>
    /// <param name="platform">PipelineImagePlatform; empty: this machine's Linux.</param>
    /// <param name="directory">The assembled directory.</param>
    /// <param name="cancellationToken">Stops the requests.</param>
    /// <exception cref="PipelineImageException">PIMG1018 when the base cannot be read from its registry.</exception>
    public async Task<BaseContent> ReadFromRegistryAsync(string baseImage, string platform, string directory, CancellationToken cancellationToken)
    {
        var (name, found) = await GetManifestAsync(baseImage, platform, cancellationToken).ConfigureAwait(false);
        var client = registry(name.Registry);
        try
        {
            using var document = JsonDocument.Parse(found.Bytes);
            var config = Descriptor.Read(document.RootElement.GetProperty("config"));
            var layers = document.RootElement.GetProperty("layers").EnumerateArray().Select(Descriptor.Read).ToList();
            log($"The base image {baseImage} is {name}@{found.Digest} ({layers.Count} layer(s))");
            var kept = AssemblyRecord.BlobPath(directory, config.Digest);
            var bytes = File.Exists(kept) ? await File.ReadAllBytesAsync(kept, cancellationToken).ConfigureAwait(false) : null;
            if (bytes is null || ContentDigest.Of(bytes) != config.Digest)
            {
                bytes = await client.ReadBlobAsync(name.Path, config.Digest, cancellationToken).ConfigureAwait(false);
                await AtomicFile.WriteAsync(kept, stream => stream.WriteAsync(bytes).AsTask()).ConfigureAwait(false);
            }

            return new BaseContent(name, found.Digest, found.MediaType, layers, config.Digest, bytes);
        }
        catch (RegistryException e)
        {
            throw RegistryClients.BaseFailure(e, baseImage);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw Unreadable(baseImage, name, $"its manifest is not an image manifest ({e.Message})");
        }
    }

    private static PipelineImageException Unreadable(string baseImage, RepositoryName name, string detail) =>
        new(DiagnosticCodes.BaseImageUnreadable, baseImage, name.Registry, detail);

    // The manifest of a list for os/arch[/variant]; a missing variant matches any.
    internal static string? ChoosePlatform(byte[] list, string platform)
    {
        var wanted = platform.Split('/');
        using var document = JsonDocument.Parse(list);
        foreach (var manifest in document.RootElement.GetProperty("manifests").EnumerateArray())
        {
            if (!manifest.TryGetProperty("platform", out var p))
            {
                continue;
            }

            var os = p.TryGetProperty("os", out var o) ? o.GetString() : null;
            var architecture = p.TryGetProperty("architecture", out var a) ? a.GetString() : null;
            var variant = p.TryGetProperty("variant", out var v) ? v.GetString() : null;
            if (os == wanted[0] && architecture == wanted.ElementAtOrDefault(1) && (wanted.Length < 3 || variant == wanted[2]))
            {
                return manifest.GetProperty("digest").GetString();
            }
        }

        return null;
    }

    private async Task<RecordedLayer> WriteLayerAsync(
        PlannedLayer layer, string key, long epoch, IReadOnlyDictionary<string, PlannedEntry> sources, string directory, CancellationToken cancellationToken)
    {
        var blobs = Path.Combine(directory, "blobs", "sha256");
        Directory.CreateDirectory(blobs);
        var temporary = Path.Combine(blobs, $".layer.{Guid.NewGuid():N}.tmp");
        try
        {
            WrittenLayer written;
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                written = await LayerWriter.WriteAsync(layer, epoch,
                    from => new FileStream(sources[from].Source!, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true),
                    file, cancellationToken).ConfigureAwait(false);
            }

            File.Move(temporary, AssemblyRecord.BlobPath(directory, written.Digest), overwrite: true);
            log($"Wrote the layer of {layer.CreatedBy}: {written.Digest} ({written.Size} bytes, {layer.Entries.Count} entries)");
            return new RecordedLayer(key, written.Digest, written.Size, written.DiffId);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static Task WriteBlobAsync(string directory, string digest, byte[] bytes)
    {
        var path = AssemblyRecord.BlobPath(directory, digest);
        return File.Exists(path) ? Task.CompletedTask : AtomicFile.WriteAsync(path, stream => stream.WriteAsync(bytes).AsTask());
    }

    // Blobs of earlier assemblies go: the directory holds this image only.
    private static void Prune(string directory, IReadOnlyCollection<string> keep)
    {
        var kept = keep.Select(digest => digest["sha256:".Length..]).ToHashSet(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(directory, "blobs", "sha256")))
        {
            var name = Path.GetFileName(file);
            if (!name.StartsWith('.') && !kept.Contains(name))
            {
                File.Delete(file);
            }
        }
    }
}
