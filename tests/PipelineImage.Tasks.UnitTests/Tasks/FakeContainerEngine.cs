using PipelineImage.Engine;
using PipelineImage.Naming;
using PipelineImage.Registry;
using PipelineImage.Transport;

namespace PipelineImage.Tests.Tasks;

/// <summary>
/// An engine for the tasks' unit tests: images by id with their labels, references pointing at them; it records what
/// it is asked and throws where a test says.
/// </summary>
internal sealed class FakeContainerEngine : IContainerEngine
{
    private int _built;

    /// <summary>The operation (connect, ping, inspect, find, tag, untag, build, push, save) that throws, and what.</summary>
    public (string Operation, Exception Failure)? Fail { get; init; }

    /// <summary>The engine goes away in the build's second step: the build's connection breaks, and it answers nothing after.</summary>
    public bool LostInBuild { get; init; }

    private bool _gone;

    /// <summary>The images by id.</summary>
    public Dictionary<string, ImageDetails> Images { get; } = new(StringComparer.Ordinal);

    /// <summary>Where each reference (name:tag) points.</summary>
    public Dictionary<string, string> References { get; } = new(StringComparer.Ordinal);

    public List<BuildRequest> Builds { get; } = [];

    /// <summary>The times RemoveLeftoversAsync was asked for; each removes one container.</summary>
    public List<(DateTimeOffset From, DateTimeOffset To)> LeftoverRemovals { get; } = [];

    public List<ImageReference> Tagged { get; } = [];

    public List<ImageReference> Pushes { get; } = [];

    public bool Disposed { get; private set; }

    /// <summary>What ConnectAsync answers.</summary>
    public EngineInfo Info { get; init; } = new("unix:///fake.sock", "27.0.0", "1.47", "linux/amd64");

    /// <summary>Adds an image, tagged with the references.</summary>
    public string Add(string id, IReadOnlyDictionary<string, string>? labels = null, params string[] references)
    {
        Images[id] = new ImageDetails(id, labels ?? new Dictionary<string, string>(), DateTimeOffset.UnixEpoch.AddSeconds(Images.Count));
        foreach (var reference in references)
        {
            References[reference] = id;
        }

        return id;
    }

    public Task<EngineInfo> ConnectAsync(CancellationToken cancellationToken)
    {
        Throw("connect");
        return Task.FromResult(Info);
    }

    public Task PingAsync(CancellationToken cancellationToken)
    {
        Throw("ping");
        return _gone
            ? throw new HttpRequestException("Connection refused", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused))
            : Task.CompletedTask;
    }

    public Task<BuildResult> BuildAsync(BuildRequest request, Action<string> output, CancellationToken cancellationToken)
    {
        Throw("build");
        Builds.Add(request);
        if (LostInBuild)
        {
            output("Step 1/2 : FROM scratch");
            output("Step 2/2 : RUN apt-get install -y ffmpeg");
            _gone = true;
            throw new IOException("Unable to read data from the transport connection: Connection reset by peer.");
        }

        output("Step 1/1 : FROM scratch");
        var id = Add("sha256:" + (++_built).ToString("x64"), request.Labels, [.. request.References.Select(reference => reference.ToString())]);
        return Task.FromResult(new BuildResult(id));
    }

    public Task<IReadOnlyList<string>> RemoveLeftoversAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        LeftoverRemovals.Add((from, to));
        return Task.FromResult<IReadOnlyList<string>>(["container 0123456789ab"]);
    }

    public Task<ImageDetails?> InspectImageAsync(string reference, CancellationToken cancellationToken)
    {
        Throw("inspect");
        var id = References.TryGetValue(reference, out var tagged) ? tagged : reference;
        return Task.FromResult(Images.GetValueOrDefault(id));
    }

    public Task<IReadOnlyList<ImageDetails>> FindImagesAsync(string label, string value, CancellationToken cancellationToken)
    {
        Throw("find");
        IReadOnlyList<ImageDetails> found = Images.Values
            .Where(image => image.Labels.TryGetValue(label, out var v) && v == value)
            .OrderByDescending(image => image.Created)
            .ToList();
        return Task.FromResult(found);
    }

    public Task TagAsync(string imageId, ImageReference reference, CancellationToken cancellationToken)
    {
        Throw("tag");
        Tagged.Add(reference);
        References[reference.ToString()] = imageId;
        return Task.CompletedTask;
    }

    public Task UntagAsync(ImageReference reference, CancellationToken cancellationToken)
    {
        Throw("untag");
        References.Remove(reference.ToString());
        return Task.CompletedTask;
    }

    /// <summary>What the next pushes throw, one each, before they succeed.</summary>
    public Queue<Exception> PushFailures { get; } = new();

    /// <summary>The manifest digest a push reports.</summary>
    public string PushedDigest { get; set; } = "sha256:" + new string('d', 64);

    public Task<PushResult> PushAsync(ImageReference reference, ResolvedCredential credential, Action<string> output, CancellationToken cancellationToken)
    {
        Throw("push");
        if (PushFailures.TryDequeue(out var failure))
        {
            throw failure;
        }

        Pushes.Add(reference);
        return Task.FromResult(new PushResult(PushedDigest, 1024, 1, 2));
    }

    /// <summary>What each save was asked for.</summary>
    public List<IReadOnlyList<string>> Saves { get; } = [];

    /// <summary>What a save of one name writes: an archive a test made.</summary>
    public Dictionary<string, byte[]> Archives { get; } = [];

    /// <summary>Writes the archive of <see cref="Archives"/>, else "archive of" and the names, one a line: what a test can read back.</summary>
    public async Task SaveAsync(IReadOnlyList<string> names, Stream destination, CancellationToken cancellationToken)
    {
        Throw("save");
        Saves.Add(names);
        var archive = names.Count == 1 && Archives.TryGetValue(names[0], out var made) ? made
            : System.Text.Encoding.UTF8.GetBytes("archive of\n" + string.Join("\n", names));
        await destination.WriteAsync(archive, cancellationToken);
    }

    /// <summary>The archives loaded, as the files were when they were loaded.</summary>
    public List<byte[]> Loads { get; } = [];

    /// <summary>
    /// Refuses a docker-archive that lacks a layer its manifest.json names, as Docker's containerd store and Podman do,
    /// and an OCI layout that lacks a layer blob its manifest names unless <see cref="HeldLayers"/> has it, as Podman does.
    /// </summary>
    public bool RefusesMissingLayers { get; init; }

    /// <summary>The layers by digest that an OCI layout may name without carrying them.</summary>
    public HashSet<string> HeldLayers { get; } = new(StringComparer.Ordinal);

    /// <summary>Answers that the images are in containerd's store.</summary>
    public bool ContainerdStore { get; init; }

    public async Task LoadAsync(string archive, CancellationToken cancellationToken)
    {
        Throw("load");
        var bytes = await File.ReadAllBytesAsync(archive, cancellationToken);
        if (RefusesMissingLayers)
        {
            var entries = PipelineImage.Tests.ImageStore.ArchiveEntries.Read(bytes);
            if (MissingLayer(entries) is { } missing)
            {
                throw new EngineRequestFailedException("load the image", $"500 InternalServerError: layer not found: {missing}");
            }
        }

        Loads.Add(bytes);
    }

    // The first layer an archive names and neither carries nor may leave out; null: none.
    private string? MissingLayer(IReadOnlyDictionary<string, byte[]> entries)
    {
        if (entries.TryGetValue("manifest.json", out var archiveManifest))
        {
            return System.Text.Json.JsonDocument.Parse(archiveManifest).RootElement[0].GetProperty("Layers").EnumerateArray()
                .Select(layer => layer.GetString()!).FirstOrDefault(layer => !entries.ContainsKey(layer));
        }

        var named = System.Text.Json.JsonDocument.Parse(entries["index.json"]).RootElement.GetProperty("manifests")[0].GetProperty("digest").GetString()!;
        return System.Text.Json.JsonDocument.Parse(entries["blobs/sha256/" + named[7..]]).RootElement.GetProperty("layers").EnumerateArray()
            .Select(layer => layer.GetProperty("digest").GetString()!)
            .FirstOrDefault(digest => !entries.ContainsKey("blobs/sha256/" + digest[7..]) && !HeldLayers.Contains(digest));
    }

    /// <summary>How many times the image store was asked for (a GET /info on a real engine).</summary>
    public int StoreQueries { get; private set; }

    public Task<bool> UsesContainerdImageStoreAsync(CancellationToken cancellationToken)
    {
        StoreQueries++;
        return Task.FromResult(ContainerdStore);
    }

    /// <summary>The files of every image, by their path in it.</summary>
    public Dictionary<string, string> Files { get; } = new(StringComparer.Ordinal);

    /// <summary>How many times files were read (each read is one container on a real engine).</summary>
    public int Reads { get; private set; }

    public Task<IReadOnlyList<ImageFile>> ReadFilesAsync(string imageId, IReadOnlyList<FileQuery> queries, CancellationToken cancellationToken)
    {
        Throw("read");
        Reads++;
        return Task.FromResult<IReadOnlyList<ImageFile>>(queries.SelectMany(query => Files
            .Where(file => (file.Key == query.Path || file.Key.StartsWith(query.Path.TrimEnd('/') + "/", StringComparison.Ordinal)) && query.Wanted(file.Key))
            .Select(file => new ImageFile(file.Key, file.Value))).ToList());
    }

    public void Dispose() => Disposed = true;

    private void Throw(string operation)
    {
        if (Fail is { } fail && fail.Operation == operation)
        {
            throw fail.Failure;
        }
    }
}
