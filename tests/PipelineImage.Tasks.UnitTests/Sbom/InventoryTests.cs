using PipelineImage.Sbom;

namespace PipelineImage.Tests.Sbom;

public class InventoryTests
{
    [Fact]
    public void DpkgListsInstalledPackagesOnlyWithTheirArchitecture()
    {
        const string status = """
            Package: jq
            Status: install ok installed
            Architecture: amd64
            Version: 1.6-2.1
            Description: lightweight and flexible
             command-line JSON processor

            Package: removed-one
            Status: deinstall ok config-files
            Version: 1.0

            Package: libc6
            Status: install ok installed
            Architecture: amd64
            Version: 2.36-9+deb12u4

            """;

        var packages = Inventory.Dpkg(status, "debian");

        Assert.Equal(["pkg:deb/debian/jq@1.6-2.1?arch=amd64", "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64"], packages.Select(p => p.Purl));
        Assert.Equal(("jq", "1.6-2.1"), (packages[0].Name, packages[0].Version));
    }

    [Fact]
    public void ApkListsEachPackageOfTheInstalledDatabase() =>
        Assert.Equal(["pkg:apk/alpine/busybox@1.36.1-r29?arch=x86_64", "pkg:apk/alpine/jq@1.7.1-r0?arch=x86_64"],
            Inventory.Apk("C:Q1abc=\nP:jq\nV:1.7.1-r0\nA:x86_64\n\nP:busybox\nV:1.36.1-r29\nA:x86_64\n", "alpine").Select(p => p.Purl));

    [Fact]
    public void PipNormalizesNamesAndStopsAtTheMetadataBody() =>
        Assert.Equal(["pkg:pypi/pimg-demo@1.0.0", "pkg:pypi/zope-interface@6.1"],
            Inventory.Pip(["Metadata-Version: 2.1\nName: pimg_demo\nVersion: 1.0.0\n\nName: not this\n", "Name: Zope.Interface\nVersion: 6.1\n"]).Select(p => p.Purl));

    [Fact]
    public void NuGetListsThePackagesThatBringFilesForTheTarget()
    {
        const string assets = """
            {"targets": {
              "net10.0": {
                "Newtonsoft.Json/13.0.3": {"type": "package", "runtime": {"lib/net6.0/Newtonsoft.Json.dll": {}}},
                "PipelineImage.Tasks/0.1.0": {"type": "package", "build": {"build/PipelineImage.Tasks.props": {}}},
                "Meta.Only/1.0.0": {"type": "package", "runtime": {"lib/netstandard2.0/_._": {}}},
                "SkiaSharp.NativeAssets.Linux/2.88.8": {"type": "package", "runtimeTargets": {"runtimes/linux-x64/native/libSkiaSharp.so": {}}},
                "Shared/1.0.0": {"type": "project"}
              },
              "net10.0/linux-x64": {"Other/1.0.0": {"type": "package", "native": {"runtimes/linux-x64/native/x.so": {}}}}
            }}
            """;

        Assert.Equal(["pkg:nuget/Newtonsoft.Json@13.0.3", "pkg:nuget/SkiaSharp.NativeAssets.Linux@2.88.8"], Inventory.NuGet(assets, "net10.0", "").Select(p => p.Purl));
        Assert.Equal(["pkg:nuget/Other@1.0.0"], Inventory.NuGet(assets, "net10.0", "linux-x64").Select(p => p.Purl));
        Assert.Empty(Inventory.NuGet(assets, "net8.0", ""));
    }

    [Theory]
    [InlineData("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n", "debian")]
    [InlineData("ID=\"ubuntu\"\n", "ubuntu")]
    [InlineData(null, "fallback")]
    public void TheDistroIsOsReleasesId(string? osRelease, string expected) => Assert.Equal(expected, Inventory.Distro(osRelease, "fallback"));
}

public class CycloneDxTests
{
    [Fact]
    public void TheSameImageAndPackagesGiveTheSameBytesWithTheComponentsSortedByPurl()
    {
        Package[] packages = [new("pypi", "b", "1", "pkg:pypi/b@1"), new("deb", "a", "2", "pkg:deb/debian/a@2")];

        var first = CycloneDx.Write("app", "sha256:1", ["app:1.0"], packages);
        var second = CycloneDx.Write("app", "sha256:1", ["app:1.0"], packages.Reverse().ToArray());

        Assert.Equal(first, second);
        using var document = System.Text.Json.JsonDocument.Parse(first);
        Assert.Equal("CycloneDX", document.RootElement.GetProperty("bomFormat").GetString());
        Assert.Equal("1.5", document.RootElement.GetProperty("specVersion").GetString());
        Assert.Equal(["pkg:deb/debian/a@2", "pkg:pypi/b@1"], document.RootElement.GetProperty("components").EnumerateArray().Select(c => c.GetProperty("purl").GetString()));
        Assert.Equal("container", document.RootElement.GetProperty("metadata").GetProperty("component").GetProperty("type").GetString());
        Assert.NotEqual(first, CycloneDx.Write("app", "sha256:2", ["app:1.0"], packages));
        Assert.DoesNotContain("timestamp", first);
    }
}
