using PipelineImage.Context;
using PipelineImage.Transport;

namespace PipelineImage.Engine;

/// <summary>
/// The container engine, behind one interface: the Docker Engine API (<see cref="DockerEngine"/>, for Docker and
/// Podman's compatible API) with its builders (classic, BuildKit, Podman's). Failures are <see cref="EngineException"/>s.
/// </summary>
internal interface IContainerEngine : IDisposable
{
    /// <summary>Reaches the engine and agrees on an API version; fails fast when it does not answer.</summary>
    Task<EngineInfo> ConnectAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Whether the engine still answers, after ConnectAsync: its <c>/_ping</c> alone, which no store lock holds up (a
    /// Podman's <c>/version</c> waits for a build or a load of another client). Throws when it does not answer.
    /// </summary>
    Task PingAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Builds the context's Dockerfile and tags the image with every reference. Each line of the engine's output
    /// goes to <paramref name="output"/> as it arrives.
    /// </summary>
    Task<BuildResult> BuildAsync(BuildRequest request, Action<string> output, CancellationToken cancellationToken);

    /// <summary>The local image with this reference (or id); null when the engine has none.</summary>
    Task<ImageDetails?> InspectImageAsync(string reference, CancellationToken cancellationToken);

    /// <summary>The local images that carry the label with this value, newest first.</summary>
    Task<IReadOnlyList<ImageDetails>> FindImagesAsync(string label, string value, CancellationToken cancellationToken);

    /// <summary>Tags the image (by id) with the reference, moving the reference from any other image.</summary>
    Task TagAsync(string imageId, Naming.ImageReference reference, CancellationToken cancellationToken);

    /// <summary>
    /// Removes the reference from the local image store as <c>docker rmi name:tag</c> does: the image goes with its last
    /// reference, its layers with it where no other image has them. A reference the engine does not have is no error.
    /// </summary>
    Task UntagAsync(Naming.ImageReference reference, CancellationToken cancellationToken);

    /// <summary>
    /// Pushes <c>name:tag</c> to its registry with the credential (none: anonymously). Each progress line goes to
    /// <paramref name="output"/>. Failures are <see cref="EngineException"/>s that say whether the registry refused
    /// the credential, could not be reached, or failed TLS verification.
    /// </summary>
    Task<PushResult> PushAsync(
        Naming.ImageReference reference, Registry.ResolvedCredential credential, Action<string> output, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the images as a docker-archive (what <c>docker save</c> writes and <c>docker load</c> reads; Docker 25 and
    /// later add an OCI layout) into <paramref name="destination"/>, tagged with every name that is a reference.
    /// </summary>
    /// <param name="names">References, or image ids.</param>
    /// <param name="destination">Where the archive goes.</param>
    /// <param name="cancellationToken">Stops it.</param>
    Task SaveAsync(IReadOnlyList<string> names, Stream destination, CancellationToken cancellationToken);

    /// <summary>
    /// Loads a docker-archive or an OCI layout into the local image store (<c>POST /images/load</c>), tagged as it says.
    /// Docker's graph-driver store takes a docker-archive without the layers it already has, its containerd store and
    /// Podman an OCI layout without them.
    /// </summary>
    Task LoadAsync(string archive, CancellationToken cancellationToken);

    /// <summary>
    /// Whether the engine keeps its images in containerd's image store (Docker's containerd snapshotter, a fresh
    /// Docker 29's default), where an image's id is its manifest's digest; Podman's answer is no.
    /// </summary>
    Task<bool> UsesContainerdImageStoreAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The files under each query's path in the image that the query wants, with their content, through one container
    /// that is created, never started, and removed; a path that does not exist gives none.
    /// </summary>
    Task<IReadOnlyList<ImageFile>> ReadFilesAsync(string imageId, IReadOnlyList<FileQuery> queries, CancellationToken cancellationToken);

    /// <summary>
    /// Removes what builds left when the engine went away during them, made between the two times and used by nothing:
    /// build containers that are not running (Docker's classic builder's step containers, Podman's buildah containers)
    /// and untagged images that nothing stands on.
    /// </summary>
    /// <returns>What was removed, as <c>container &lt;id&gt;</c> and <c>image &lt;id&gt;</c>.</returns>
    Task<IReadOnlyList<string>> RemoveLeftoversAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);
}

/// <param name="Path">A file or directory in the image.</param>
/// <param name="Wanted">Which of its files (by their path in the image) to read.</param>
internal sealed record FileQuery(string Path, Func<string, bool> Wanted)
{
    public FileQuery(string path)
        : this(path, _ => true)
    {
    }
}

/// <param name="Path">The file's path in the image.</param>
/// <param name="Text">Its content, as UTF-8.</param>
internal sealed record ImageFile(string Path, string Text);

/// <param name="Digest">The manifest digest the registry stored (<c>sha256:...</c>).</param>
/// <param name="BytesUploaded">
/// The size of the layers the registry did not have, as the engine counts its push progress; null when it did not
/// say the size of every one (the containerd image store skips the progress of a quick upload).
/// </param>
/// <param name="LayersPushed">How many layers were uploaded.</param>
/// <param name="LayersPresent">How many layers the registry already had (in this repository, or mounted from another).</param>
/// <param name="LayersReported">Whether the engine said which layers it pushed (Podman does not: the counts are then 0).</param>
/// <param name="Compressed">
/// Whether the sizes are of the compressed blobs, as they crossed the network (the containerd image store); else of
/// the layers before compression, which the graph-driver store gzips as it sends them.
/// </param>
internal sealed record PushResult(string Digest, long? BytesUploaded, int LayersPushed, int LayersPresent, bool LayersReported = true, bool Compressed = false)
{
    /// <summary>The bytes uploaded as the log says them: <c>92.7 KiB before compression</c>, <c>1.1 KiB compressed</c>.</summary>
    public string DescribeBytes() => BytesUploaded is not { } bytes ? "the engine did not report their size"
        : $"{ByteSize.Of(bytes)} {(Compressed ? "compressed" : "before compression")}";
}

/// <summary>A number of bytes as the log says it.</summary>
internal static class ByteSize
{
    public static string Of(long bytes) =>
        bytes >= 1 << 20 ? $"{bytes / (double)(1 << 20):0.0} MiB" : bytes >= 1 << 10 ? $"{bytes / 1024.0:0.0} KiB" : $"{bytes} B";
}

/// <param name="Endpoint">The engine's address.</param>
/// <param name="ServerVersion">The engine's version.</param>
/// <param name="ApiVersion">The API version agreed on.</param>
/// <param name="Platform">The platform the engine builds for, as <c>os/arch</c> (such as <c>linux/amd64</c>).</param>
/// <param name="BuilderVersion">The ping's <c>Builder-Version</c> header: <c>2</c> where BuildKit is the default builder.</param>
/// <param name="IsPodman">Whether the engine is Podman's compatible API (its ping has <c>Libpod-Api-Version</c>).</param>
internal sealed record EngineInfo(string Endpoint, string ServerVersion, string ApiVersion, string Platform, string? BuilderVersion = null, bool IsPodman = false)
{
    /// <summary>What the engine is, for the log: <c>Podman</c> or <c>Docker</c> (whose version ServerVersion is).</summary>
    public string Product => IsPodman ? "Podman" : "Docker";
}

/// <param name="Context">The build context, sent as a tar stream in this order; it holds the Dockerfile.</param>
/// <param name="References">The references to tag the image with.</param>
/// <param name="DockerfilePath">The Dockerfile's path inside the context.</param>
/// <param name="Options">How to build: network, platform, pull policy, cache, build arguments.</param>
/// <param name="Labels">Labels the engine adds to the image, beyond the Dockerfile's (the content key).</param>
internal sealed record BuildRequest(
    IReadOnlyList<ContextEntry> Context,
    IReadOnlyList<Naming.ImageReference> References,
    string DockerfilePath,
    BuildOptions Options,
    IReadOnlyDictionary<string, string>? Labels = null);

/// <param name="Id">The image id (<c>sha256:...</c>).</param>
/// <param name="Labels">Its configuration's labels.</param>
/// <param name="Created">When it was built.</param>
internal sealed record ImageDetails(string Id, IReadOnlyDictionary<string, string> Labels, DateTimeOffset Created);

/// <param name="Network">The network of RUN steps (<see cref="BuildNetwork"/>); empty: the engine's default.</param>
/// <param name="Platform">The target platform (<see cref="BuildPlatform"/>); empty: the engine's own.</param>
/// <param name="PullAlways">Pull the base image even when it is present locally.</param>
/// <param name="NoCache">Build every step anew.</param>
/// <param name="BuildArgs">Values for the Dockerfile's ARG instructions.</param>
/// <param name="Builder">Which builder of the engine builds.</param>
/// <param name="Secrets">What the Dockerfile's secret mounts read (BuildKit and Podman only).</param>
/// <param name="Credentials">
/// A registry host's credential for pulling base images (BuildKit asks through its session); null: anonymous.
/// </param>
internal sealed record BuildOptions(
    string Network = "", string Platform = "", bool PullAlways = false, bool NoCache = false, IReadOnlyDictionary<string, string>? BuildArgs = null,
    ImageBuilder Builder = ImageBuilder.Classic, IReadOnlyList<BuildSecret>? Secrets = null,
    Func<string, Registry.RegistryCredential?>? Credentials = null);

/// <summary>A build secret's value, for <c>RUN --mount=type=secret,id=ID</c>; never logged.</summary>
/// <param name="Id">The id the mount names.</param>
/// <param name="Value">The value's bytes.</param>
internal sealed record BuildSecret(string Id, byte[] Value)
{
    /// <summary>The id only: a record's default would print the value.</summary>
    public override string ToString() => Id;
}

internal sealed record BuildResult(string ImageId);
