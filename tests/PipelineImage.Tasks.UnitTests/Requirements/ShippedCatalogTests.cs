using System.Xml.Linq;
using PipelineImage.Requirements;

namespace PipelineImage.Tests.Requirements;

/// <summary>The catalog shipped in the package is data: every entry must be well-formed and pass the grammars.</summary>
public class ShippedCatalogTests
{
    private static readonly string CatalogPath = RepositoryFiles.Path("nuget", "build", "PipelineImage.Integrations.props");

    private static IReadOnlyList<XElement> Entries() =>
        XDocument.Load(CatalogPath).Descendants("PipelineImageIntegration").ToList();

    [Fact]
    public void EveryEntryNamesAPackageAReasonAndAtLeastOneOsPackage()
    {
        var entries = Entries();

        Assert.NotEmpty(entries);
        Assert.All(entries, entry =>
        {
            Assert.False(string.IsNullOrWhiteSpace((string?)entry.Attribute("Include")));
            Assert.False(string.IsNullOrWhiteSpace((string?)entry.Attribute("Reason")));
            Assert.Contains(new[] { "Apt", "Apk", "Tdnf" }, name => IntegrationCatalog.SplitList((string?)entry.Attribute(name) ?? "").Count > 0);
            Assert.All(entry.Attributes().Select(a => a.Name.LocalName), name => Assert.Contains(name, new[] { "Include", "Apt", "Apk", "Tdnf", "Reason", "Versions" }));
            Assert.NotNull(PackageVersions.Contains((string?)entry.Attribute("Versions") ?? "", "1.0.0"));
        });
        Assert.Equal(entries.Count, entries.Select(e => ((string)e.Attribute("Include")!).ToLowerInvariant()).Distinct().Count());
    }

    [Theory]
    [InlineData(nameof(OsPackageManager.Apt))]
    [InlineData(nameof(OsPackageManager.Apk))]
    [InlineData(nameof(OsPackageManager.Tdnf))]
    public void EveryOsPackagePassesItsManagersGrammar(string attribute)
    {
        foreach (var entry in Entries())
        {
            foreach (var package in IntegrationCatalog.SplitList((string?)entry.Attribute(attribute) ?? ""))
            {
                Assert.Null(Grammar.OsPackageNameProblem(Enum.Parse<OsPackageManager>(attribute), package));
            }
        }
    }
}
