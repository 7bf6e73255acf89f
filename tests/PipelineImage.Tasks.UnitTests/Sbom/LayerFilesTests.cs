using System.Formats.Tar;
using System.Text;
using PipelineImage.Sbom;

namespace PipelineImage.Tests.Sbom;

public class LayerFilesTests
{
    private const string Status = "/var/lib/dpkg/status", OsRelease = "/etc/os-release";

    private static async Task<LayerFiles> Layer(params TarEntry[] entries)
    {
        using var tar = new MemoryStream();
        await using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var entry in entries)
            {
                await writer.WriteEntryAsync(entry);
            }
        }

        tar.Position = 0;
        return await LayerFiles.ReadAsync(tar, Inventory.Wanted, CancellationToken.None);
    }

    private static PaxTarEntry File(string name, string text) =>
        new(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) };

    private static PaxTarEntry Entry(TarEntryType type, string name) => new(type, name);

    private static PaxTarEntry Link(TarEntryType type, string name, string target) => new(type, name) { LinkName = target };

    [Fact]
    public async Task OnlyWantedFilesAreReadByTheirAbsolutePathAndHardLinksGiveTheirTargetsText()
    {
        var layer = await Layer(File("./etc/os-release", "ID=debian\n"), File("etc/hostname", "x\n"),
            File("var/lib/dpkg/status.orig", "old"), Link(TarEntryType.HardLink, "usr/lib/os-release", "./etc/os-release"));

        Assert.Equal("ID=debian\n", layer.Files[OsRelease]);
        Assert.Equal("ID=debian\n", layer.Files["/usr/lib/os-release"]);
        Assert.Equal(2, layer.Files.Count);
    }

    [Fact]
    public async Task UpperLayersWhiteOutEmptyAndReplaceWhatIsBelow()
    {
        var bottom = await Layer(File("etc/os-release", "ID=debian\n"), File("var/lib/dpkg/status", "Package: jq\n"),
            File("opt/venv/lib/python3.11/site-packages/a-1.dist-info/METADATA", "Name: a\n"),
            File("usr/lib/os-release", "ID=debian\n"));
        var top = await Layer(Entry(TarEntryType.RegularFile, "var/lib/dpkg/.wh.status"),
            Entry(TarEntryType.RegularFile, "opt/venv/lib/.wh..wh..opq"),
            Link(TarEntryType.SymbolicLink, "usr/lib/os-release", "../../etc/os-release"));
        var upper = await Layer(File("var/lib/dpkg/status", "Package: curl\n"));

        var files = LayerFiles.Merge([bottom, top, upper]);

        Assert.Equal([new(OsRelease, "ID=debian\n"), new(Status, "Package: curl\n")], files);
        Assert.Equal(["/var/lib/dpkg/status"], top.Removed);
        Assert.Equal(["/opt/venv/lib"], top.Emptied);
        Assert.Equal(["/usr/lib/os-release"], top.Replaced);
    }

    [Fact]
    public async Task TheJsonRoundTripsAndAnythingElseIsNull()
    {
        var layer = await Layer(File("etc/os-release", "ID=debian\n"), Entry(TarEntryType.RegularFile, "tmp/.wh.x"));

        var read = LayerFiles.FromJson(layer.ToJson());

        Assert.NotNull(read);
        Assert.Equal(layer.ToJson(), read.ToJson());
        Assert.Equal(LayerFiles.Merge([layer]), LayerFiles.Merge([read]));
        Assert.Null(LayerFiles.FromJson("{\"files\": {}}"));
        Assert.Null(LayerFiles.FromJson("not json"));
    }
}
