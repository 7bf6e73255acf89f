using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using PipelineImage.BaseImages;
using PipelineImage.ImageStore;
using PipelineImage.Registry;
using PipelineImage.Requirements;
using PipelineImage.Tests.ImageStore;
using PipelineImage.Tests.Registry;
using PipelineImage.Tests.Tasks;
using PipelineImage.Transport;

namespace PipelineImage.Tests.BaseImages;

/// <summary>What a base image's files say (<see cref="BaseFacts"/>), read from the layers an engine's save streams.</summary>
public sealed class BaseFactsTests : IDisposable
{
    private const string Id = "sha256:1d00000000000000000000000000000000000000000000000000000000000001";
    private const string Passwd = "root:x:0:0:root:/root:/bin/bash\napp:x:1654:1654::/home/app:/bin/sh\n";

    private readonly string _root = Directory.CreateTempSubdirectory("pimg-base-facts-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void TheFilesGiveTheReleaseTheUsersTheShellAndTheSharedFrameworks()
    {
        var facts = BaseFacts.FromFiles(new Dictionary<string, string>
        {
            ["/usr/lib/os-release"] = "PRETTY_NAME=\"Ubuntu 24.04.3 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"24.04\"\nID=ubuntu\nID_LIKE=debian\n",
            ["/etc/passwd"] = Passwd,
            ["/etc/group"] = "root:x:0:\napp:x:1654:\n",
            ["/usr/bin/sh"] = "",
            ["/usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.1"] = "",
            ["/usr/share/dotnet/shared/Microsoft.AspNetCore.App/10.0.1"] = "",
            ["/home/app"] = "",
            ["/tmp"] = "",
        });

        Assert.Equal("Ubuntu 24.04.3 LTS", facts.Distribution);
        Assert.Equal(OsFamily.Debian, facts.Family());
        Assert.Equal([new BaseUser("root", 0, 0, "/root"), new BaseUser("app", 1654, 1654, "/home/app")], facts.Users);
        Assert.Equal([new BaseGroup("root", 0), new BaseGroup("app", 1654)], facts.Groups);
        Assert.Equal("/usr/bin/sh", facts.Shell);
        Assert.Equal(["Microsoft.AspNetCore.App/10.0.1", "Microsoft.NETCore.App/10.0.1"], facts.Runtimes);
        Assert.Equal(["/home/app", "/tmp"], facts.Paths);
        Assert.Equal(facts.Users[1], facts.FindUser("1654"));
        Assert.Equal(facts.ToJson(), BaseFacts.FromJson(facts.ToJson())!.ToJson());
    }

    [Fact]
    public void ADirectoryKeepsItsOwnerAndModeAndSaysWhoCanWriteIt()
    {
        var facts = BaseFacts.FromFiles(new Dictionary<string, string>
        {
            ["/etc/passwd"] = Passwd,
            ["/home/app"] = "directory 1654:1654 755",
            ["/srv"] = "directory 0:0 755",
            ["/bin/sh"] = "",
        });
        var (root, app) = (facts.Users[0], facts.Users[1]);

        Assert.Equal(new Dictionary<string, string> { ["/home/app"] = "1654:1654 755", ["/srv"] = "0:0 755" }, facts.Directories);
        Assert.Equal((true, false, true, null), (facts.WritableBy("/home/app", app), facts.WritableBy("/srv", app), facts.WritableBy("/srv", root), facts.WritableBy("/bin/sh", app)));
        Assert.Equal(facts.Directories, BaseFacts.FromJson(facts.ToJson())!.Directories);
    }

    [Theory]
    [InlineData("app", "1654:1654")]
    [InlineData("app:staff", "1654:50")]
    [InlineData("app:0", "1654:0")]
    [InlineData("1654", "1654:1654")]
    [InlineData("2000", "2000:0")]
    [InlineData("2000:staff", "2000:50")]
    [InlineData("alice", null)]
    [InlineData("app:nogroup", null)]
    public void TheOwnerOfAUserIsItsNumericIdsAsPasswdAndGroupGiveThem(string user, string? owner)
    {
        var facts = BaseFacts.FromFiles(new Dictionary<string, string>
        {
            ["/etc/passwd"] = Passwd,
            ["/etc/group"] = "root:x:0:\nstaff:x:50:\napp:x:1654:\nbroken:x:\n",
        });

        Assert.Equal(owner, facts.OwnerOf(user));
        Assert.Equal(["root", "staff", "app"], facts.Groups.Select(group => group.Name));
    }

    [Theory]
    [InlineData("ID=alpine\n", true, nameof(OsFamily.Alpine))]
    [InlineData("ID=azurelinux\n", true, nameof(OsFamily.AzureLinux))]
    [InlineData("ID=\"debian\"\n", true, nameof(OsFamily.Debian))]
    [InlineData("ID=fedora\n", true, null)]
    [InlineData("ID=ubuntu\n", false, nameof(OsFamily.Distroless))]
    public void TheFamilyIsWhatOsReleaseNamesAndDistrolessWithoutAShell(string osRelease, bool shell, string? family)
    {
        var files = new Dictionary<string, string> { ["/etc/os-release"] = osRelease };
        if (shell)
        {
            files["/bin/sh"] = "";
        }

        Assert.Equal(family is null ? null : Enum.Parse<OsFamily>(family), BaseFacts.FromFiles(files).Family());
    }

    [Fact]
    public async Task TheEngineReaderMergesTheLayersFilesBottomUpAndKeepsTheFactsWithTheBase()
    {
        // The first layer as a containerd store keeps it (gzip), the second uncompressed: it removes bash's link and adds a user.
        var bottom = Layer(gzip: true,
            ("etc/os-release", "ID=debian\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"),
            ("etc/passwd", "root:x:0:0:root:/root:/bin/bash\n"),
            ("usr/bin/sh", "#!dash"),
            ("usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.12/System.Runtime.dll", "x"));
        var top = Layer(gzip: false, ("etc/passwd", Passwd), ("usr/bin/.wh.sh", ""), ("home/app/", ""), ("home/app/.profile", ""));
        var (archive, _) = SavedArchives.Layout((bottom, ContentDigest.Of(Decompressed(bottom))), (top, ContentDigest.Of(top)));
        var engine = Engine(archive);
        var log = new List<string>();

        var read = await new EngineBaseReader(engine, _root, log.Add).ReadAsync("registry.test/base:1", "linux/amd64", CancellationToken.None);
        var again = await new EngineBaseReader(engine, _root, log.Add).ReadAsync("registry.test/base:1", "linux/amd64", CancellationToken.None);

        var facts = read!.Facts!;
        Assert.Equal("Debian GNU/Linux 12 (bookworm)", facts.Distribution);
        Assert.Null(facts.Shell);
        Assert.Equal(["root", "app"], facts.Users.Select(user => user.Name));
        Assert.Equal(["Microsoft.NETCore.App/10.0.12"], facts.Runtimes);
        Assert.Contains("/home/app", facts.Paths);
        Assert.Equal(facts.ToJson(), again!.Facts!.ToJson());
        Assert.Single(engine.Saves);
    }

    [Fact]
    public async Task ALayerThatIsNotATarLeavesTheFactsUnknownAndTheBaseStillReadable()
    {
        var layer = "not a tar at all"u8.ToArray();
        var engine = Engine(SavedArchives.DockerArchive(layer));

        var read = await new EngineBaseReader(engine, _root, _ => { }).ReadAsync("registry.test/base:1", "", CancellationToken.None);

        Assert.NotNull(read);
        Assert.Null(read.Facts);
    }

    [Fact]
    public async Task ABaseTheEngineLacksIsReadFromItsRegistryOnceByItsDigest()
    {
        var registry = new InMemoryRegistry();
        var layer = Layer(gzip: true, ("etc/os-release", "ID=alpine\nPRETTY_NAME=\"Alpine Linux v3.22\"\n"), ("bin/sh", "busybox"),
            ("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"));
        var config = """{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"""u8.ToArray();
        registry.Blobs[$"platform/dotnet@{InMemoryRegistry.Digest(layer)}"] = layer;
        registry.Blobs[$"platform/dotnet@{InMemoryRegistry.Digest(config)}"] = config;
        var layers = $$"""[{"mediaType":"{{MediaTypes.OciLayer}}","digest":"{{InMemoryRegistry.Digest(layer)}}","size":{{layer.Length}}}]""";
        registry.Manifests["platform/dotnet:10"] = (MediaTypes.OciManifest, Encoding.UTF8.GetBytes(
            $$"""{"schemaVersion":2,"mediaType":"{{MediaTypes.OciManifest}}","config":{"mediaType":"{{MediaTypes.OciConfig}}","digest":"{{InMemoryRegistry.Digest(config)}}","size":{{config.Length}}},"layers":{{layers}}}"""));
        var log = new List<string>();
        var reader = new BaseFactsReader(_ => new FakeContainerEngine(), new PipelineImage.Transport.EngineConnection(new Uri("unix:///engine.sock"), null, "a test"),
            host => new RegistryClient(host, null, _ => { }, [], registry), _root, log.Add);

        var first = await reader.ReadAsync("registry.example.com/platform/dotnet:10", "", CancellationToken.None);
        var second = await reader.ReadAsync("registry.example.com/platform/dotnet:10", "", CancellationToken.None);

        Assert.Equal(OsFamily.Alpine, first!.Family());
        Assert.Equal(first.ToJson(), second!.ToJson());
        Assert.Equal(1, registry.Requests.Count(request => request.StartsWith($"GET /v2/platform/dotnet/blobs/{InMemoryRegistry.Digest(layer)}", StringComparison.Ordinal)));
        Assert.Contains(log, line => line.StartsWith("The base image registry.example.com/platform/dotnet:10 is read from its registry: the engine at ", StringComparison.Ordinal));
    }

    private static FakeContainerEngine Engine(byte[] archive) => SavedArchives.EngineHolding(Id, "registry.test/base:1", archive);

    private static byte[] Layer(bool gzip, params (string Name, string Text)[] files)
    {
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, text) in files)
            {
                writer.WriteEntry(name.EndsWith('/')
                    ? new PaxTarEntry(TarEntryType.Directory, name)
                    : new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) });
            }
        }

        if (!gzip)
        {
            return tar.ToArray();
        }

        using var compressed = new MemoryStream();
        using (var stream = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            stream.Write(tar.ToArray());
        }

        return compressed.ToArray();
    }

    private static byte[] Decompressed(byte[] gzip)
    {
        using var output = new MemoryStream();
        using (var stream = new GZipStream(new MemoryStream(gzip), CompressionMode.Decompress))
        {
            stream.CopyTo(output);
        }

        return output.ToArray();
    }
}
