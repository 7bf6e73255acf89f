using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using PipelineImage.Assembling;
using PipelineImage.Planning;
using PipelineImage.Registry;

namespace PipelineImage.Tests.Assembling;

public sealed class LayerAndDocumentTests
{
    private static readonly PlannedLayer Layer = new("COPY x /app/", [
        new LayerEntry("app", "directory", "0755"),
        new LayerEntry("app/App", "file", "0755", From: "ctx/App"),
        new LayerEntry("app/App.dll", "file", "0644", From: "ctx/App.dll"),
        new LayerEntry("app/current", "symlink", "0777", Target: "App.dll"),
    ]);

    private static Stream Open(string from) => new MemoryStream(Encoding.UTF8.GetBytes($"content of {from}"));

    [Fact]
    public async Task TheSameLayerGivesTheSameBytesWithRootOwnerTheEpochAndAGzipHeaderOfNoSystem()
    {
        using var one = new MemoryStream();
        using var two = new MemoryStream();
        var first = await LayerWriter.WriteAsync(Layer, 1700000000, Open, one, CancellationToken.None);
        await Task.Delay(1100);
        var second = await LayerWriter.WriteAsync(Layer, 1700000000, Open, two, CancellationToken.None);

        Assert.Equal(first, second);
        Assert.Equal(one.ToArray(), two.ToArray());
        Assert.Equal(ContentDigest.Of(one.ToArray()), first.Digest);
        Assert.Equal(one.Length, first.Size);
        Assert.Equal(0xFF, one.ToArray()[9]);

        one.Position = 0;
        using var tar = new MemoryStream();
        await using (var gzip = new GZipStream(one, CompressionMode.Decompress, leaveOpen: true))
        {
            await gzip.CopyToAsync(tar);
        }

        Assert.Equal(ContentDigest.Of(tar.ToArray()), first.DiffId);
        tar.Position = 0;
        using var reader = new TarReader(tar);
        var entries = new List<string>();
        while (reader.GetNextEntry() is { } entry)
        {
            entries.Add($"{entry.Name} {entry.EntryType} {Convert.ToString((int)entry.Mode, 8)} {entry.Uid}:{entry.Gid} {entry.ModificationTime.ToUnixTimeSeconds()} {entry.LinkName}".TrimEnd());
        }

        Assert.Equal(["app/ Directory 755 0:0 1700000000", "app/App RegularFile 755 0:0 1700000000", "app/App.dll RegularFile 644 0:0 1700000000",
            "app/current SymbolicLink 777 0:0 1700000000 App.dll"], entries);
    }

    [Fact]
    public async Task AnotherEpochIsAnotherLayer()
    {
        var first = await LayerWriter.WriteAsync(Layer, 1, Open, new MemoryStream(), CancellationToken.None);
        var second = await LayerWriter.WriteAsync(Layer, 2, Open, new MemoryStream(), CancellationToken.None);

        Assert.NotEqual(first.DiffId, second.DiffId);
    }

    [Fact]
    public void TheConfigKeepsTheBasesFieldsButItsContentKeySetsOursAndAppendsTheLayers()
    {
        var baseConfig = """
            {"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/bin","HOME=/root"],"Cmd":["bash"],"Labels":{"z":"base","a":"base","org.pipelineimage.content-key":"sha256:of-a-requirements-base"}},
             "rootfs":{"type":"layers","diff_ids":["sha256:base"]},"history":[{"created_by":"base"}]}
            """u8.ToArray();
        var plan = new AssemblyPlan(1700000000, null, [Layer], new PlannedConfig
        {
            WorkingDir = "/app",
            User = "app",
            Env = [new("PATH", "/opt/venv/bin:$PATH", true), new("MODE", "$literal", false)],
            Labels = [new("m", "ours"), new("z", "ours")],
            Ports = ["8080/tcp"],
            Entrypoint = ["dotnet", "/app/App.dll"],
            Cmd = [],
        });

        var config = ImageDocuments.Config(baseConfig, plan, ["sha256:ours"]);
        using var document = JsonDocument.Parse(config);
        var root = document.RootElement;

        Assert.Equal("amd64", root.GetProperty("architecture").GetString());
        Assert.Equal("2023-11-14T22:13:20Z", root.GetProperty("created").GetString());
        Assert.Equal("""["PATH=/opt/venv/bin:/usr/bin","HOME=/root","MODE=$literal"]""", root.GetProperty("config").GetProperty("Env").GetRawText());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("config").GetProperty("Cmd").ValueKind);
        Assert.Equal("""{"a":"base","m":"ours","z":"ours"}""", root.GetProperty("config").GetProperty("Labels").GetRawText());
        Assert.Equal("""{"8080/tcp":{}}""", root.GetProperty("config").GetProperty("ExposedPorts").GetRawText());
        Assert.Equal("""["sha256:base","sha256:ours"]""", root.GetProperty("rootfs").GetProperty("diff_ids").GetRawText());
        Assert.Equal(2, root.GetProperty("history").GetArrayLength());
        Assert.Equal(config, ImageDocuments.Config(baseConfig, plan, ["sha256:ours"]));
    }

    [Fact]
    public void TheManifestKeepsTheBasesFamilyOfMediaTypes()
    {
        var config = new Descriptor(ImageDocuments.ConfigType(MediaTypes.OciManifest), "sha256:c", 10);
        var manifest = Encoding.UTF8.GetString(ImageDocuments.Manifest(MediaTypes.OciManifest, config,
            [new(ImageDocuments.LayerType(MediaTypes.OciManifest), "sha256:l", 5)]));

        Assert.Equal("""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":10,"digest":"sha256:c"},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","size":5,"digest":"sha256:l"}]}""", manifest);
        Assert.Equal(MediaTypes.DockerLayer, ImageDocuments.LayerType(MediaTypes.DockerManifest));
    }
}
