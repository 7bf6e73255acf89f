using PipelineImage.Diagnostics;
using PipelineImage.Requirements;
using static PipelineImage.Tests.Requirements.RequirementTestData;

namespace PipelineImage.Tests.Requirements;

public class IntegrationTests
{
    private const string Catalog = "/pkg/build/PipelineImage.Integrations.props";

    private static Integration Entry(string id, string apt = "", string apk = "", string tdnf = "", string definedIn = Catalog) =>
        new(id, new Dictionary<OsPackageManager, IReadOnlyList<string>>
        {
            [OsPackageManager.Apt] = IntegrationCatalog.SplitList(apt),
            [OsPackageManager.Apk] = IntegrationCatalog.SplitList(apk),
            [OsPackageManager.Tdnf] = IntegrationCatalog.SplitList(tdnf),
        }, "why", definedIn);

    private static readonly Integration[] Shipped =
    [
        Entry("SkiaSharp.NativeAssets.Linux", "libfontconfig1", "fontconfig", "fontconfig"),
        Entry("Other.Native", "libfoo1 libbar2", "foo;bar"),
    ];

    private static RequirementPlan PlanWith(
        IEnumerable<Integration> catalog, (string, string)[] used, string baseImage = DotnetBase, RequirementSettings? settings = null,
        params RequirementItem[] items) =>
        RequirementPlanner.Plan(items, settings ?? new RequirementSettings(), baseImage, NoFiles, IntegrationCatalog.Detect(catalog, used));

    [Theory]
    [InlineData("(,7.0.0)", "6.0.0", true)]
    [InlineData("(,7.0.0)", "7.0.0", false)]
    [InlineData("(,7.0.0)", "7.0.0-preview.1", false)]
    [InlineData("(,7.0.0)", "8.0.11", false)]
    [InlineData("[4.0.0,7.0.0)", "3.1.0", false)]
    [InlineData("[4.0.0,7.0.0)", "4.0.0", true)]
    [InlineData("(4.0,]", "4.0.0", false)]
    [InlineData("(4.0,]", "4.0.1", true)]
    [InlineData("[5.0.2]", "5.0.2", true)]
    [InlineData("[5.0.2]", "5.0.3", false)]
    [InlineData("4.7", "4.7.0", true)]
    [InlineData("4.7", "4.6.9", false)]
    [InlineData("", "1.0.0", true)]
    [InlineData("(,7.0.0)", "", true)]
    public void AVersionIntervalSaysWhichVersionsAnEntryAppliesTo(string interval, string version, bool applies)
    {
        Assert.Equal(applies, PackageVersions.Contains(interval, version));
    }

    [Fact]
    public void AnEntryAppliesOnlyToItsVersionsAndAnIntervalThatIsNotOneIsPimg5017NamingTheEntry()
    {
        var drawing = Entry("System.Drawing.Common", "libgdiplus") with { Versions = "(,7.0.0)" };

        Assert.Single(IntegrationCatalog.Detect([drawing], [("System.Drawing.Common", "6.0.0")]));
        Assert.Empty(IntegrationCatalog.Detect([drawing], [("System.Drawing.Common", "8.0.11")]));
        var e = Assert.Throws<PipelineImageException>(() => IntegrationCatalog.Detect([drawing with { Versions = "<7.0" }], [("System.Drawing.Common", "6.0.0")]));
        Assert.Equal(DiagnosticCodes.InvalidIntegrationVersions, e.ResourceName);
        Assert.Contains($"PipelineImageIntegration 'System.Drawing.Common' has Versions '<7.0'", e.Message, StringComparison.Ordinal);
        Assert.Contains(Catalog, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DetectsOnlyPackagesTheAppUsesIgnoringCaseSortedById()
    {
        var detected = IntegrationCatalog.Detect(Shipped,
            [("other.native", "1.0.0"), ("Newtonsoft.Json", "13.0.3"), ("", ""), ("SKIASHARP.NativeAssets.Linux", "3.119.0"), ("Other.Native", "1.0.0")]);

        Assert.Equal(["Other.Native", "SkiaSharp.NativeAssets.Linux"], detected.Select(d => d.Integration.PackageId));
        Assert.Equal(["1.0.0", "3.119.0"], detected.Select(d => d.PackageVersion));
    }

    [Fact]
    public void TheLastEntryForAPackageWinsSoAProjectCanOverrideTheCatalog()
    {
        var project = Entry("skiasharp.nativeassets.linux", "libfontconfig1 fonts-dejavu-core", definedIn: ProjectFile);

        var detected = IntegrationCatalog.Detect([.. Shipped, project], [("SkiaSharp.NativeAssets.Linux", "3.119.0")]);

        Assert.Same(project, Assert.Single(detected).Integration);
    }

    [Theory]
    [InlineData("a b", new[] { "a", "b" })]
    [InlineData(" a;b , c\n", new[] { "a", "b", "c" })]
    [InlineData("", new string[0])]
    public void ListsSplitOnSpacesCommasAndSemicolons(string value, string[] expected) =>
        Assert.Equal(expected, IntegrationCatalog.SplitList(value));

    [Fact]
    public void IntegrationPackagesJoinTheUsersInOneSortedStep()
    {
        var plan = PlanWith(Shipped, [("SkiaSharp.NativeAssets.Linux", "3.119.0"), ("Other.Native", "1.0.0")], items: Item("curl"));

        Assert.Equal(OsPackageManager.Apt, plan.Manager);
        Assert.Equal(["curl", "libbar2", "libfontconfig1", "libfoo1"], plan.OsPackages);
        Assert.Equal([["libfoo1", "libbar2"], ["libfontconfig1"]], plan.Integrations.Select(m => m.Added));
        Assert.Contains("'libfontconfig1'", Render(plan));
    }

    [Fact]
    public void IntegrationsAloneInstallTheirPackagesWithTheBasesManager()
    {
        var plan = PlanWith(Shipped, [("SkiaSharp.NativeAssets.Linux", "3.119.0")], "mcr.microsoft.com/dotnet/runtime:10.0-alpine");

        Assert.Equal(OsPackageManager.Apk, plan.Manager);
        Assert.Equal(["fontconfig"], plan.OsPackages);
        Assert.StartsWith("USER root\nRUN set -eu; \\\n    apk add --no-cache \\\n        'fontconfig'", Render(plan));
    }

    [Fact]
    public void AnEntryWithNothingForTheManagerAddsNothingButIsReported()
    {
        var plan = PlanWith(Shipped, [("Other.Native", "1.0.0")], "mcr.microsoft.com/dotnet/runtime:10.0-azurelinux3.0");

        Assert.Empty(plan.Instructions);
        var match = Assert.Single(plan.Integrations);
        Assert.Equal("Other.Native", match.Integration.PackageId);
        Assert.Empty(match.Added);
    }

    [Fact]
    public void NoDetectedPackageNoInstructions()
    {
        var plan = PlanWith(Shipped, [("Newtonsoft.Json", "13.0.3")]);

        Assert.Same(RequirementPlan.Empty, plan);
    }

    [Theory]
    [InlineData("registry.example.com/team/base:1", "cannot tell its package manager")]
    [InlineData("mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled", "chiseled or distroless")]
    public void IntegrationsOnABaseWithoutAKnownManagerArePimg5016NamingTheOptOut(string baseImage, string why)
    {
        var error = Assert.Throws<PipelineImageException>(() => PlanWith(Shipped, [("SkiaSharp.NativeAssets.Linux", "3.119.0")], baseImage));

        Assert.Equal(DiagnosticCodes.IntegrationWithoutPackageManager, error.ResourceName);
        Assert.StartsWith("PIMG5016: ", error.Message);
        Assert.Contains("SkiaSharp.NativeAssets.Linux", error.Message);
        Assert.Contains(why, error.Message);
        Assert.Contains("Remove=\"SkiaSharp.NativeAssets.Linux\"", error.Message);
        Assert.Contains(Catalog, error.Message);
    }

    [Fact]
    public void ThePropertyNamesTheManagerForIntegrationsOnAnUnknownBase()
    {
        var plan = PlanWith(Shipped, [("SkiaSharp.NativeAssets.Linux", "3.119.0")], "registry.example.com/team/base:1",
            new RequirementSettings { OsPackageManager = "tdnf" });

        Assert.Equal(["fontconfig"], plan.OsPackages);
    }

    [Fact]
    public void AnEmptiedEntryNeedsNoManager()
    {
        var plan = PlanWith([Entry("SkiaSharp.NativeAssets.Linux")], [("SkiaSharp.NativeAssets.Linux", "3.119.0")], "registry.example.com/team/base:1");

        Assert.Empty(plan.Instructions);
        Assert.Single(plan.Integrations);
    }

    [Theory]
    [InlineData("libfoo;rm -rf /")]
    [InlineData("lib$(id)")]
    [InlineData("LibUpper")]
    public void IntegrationPackagesPassTheSameGrammarAsTheUsers(string apt)
    {
        var error = Assert.Throws<PipelineImageException>(() =>
            PlanWith([Entry("Bad.Native", apt, definedIn: ProjectFile)], [("Bad.Native", "1.0.0")]));

        Assert.Equal(DiagnosticCodes.InvalidOsPackageName, error.ResourceName);
        Assert.Contains("PipelineImageIntegration 'Bad.Native'", error.Message);
        Assert.Contains(ProjectFile, error.Message);
    }
}
