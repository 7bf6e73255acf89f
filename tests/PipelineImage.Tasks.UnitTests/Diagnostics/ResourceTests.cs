using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Resources;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using PipelineImage.Diagnostics;

namespace PipelineImage.Tests.Diagnostics;

public partial class ResourceTests
{
    [GeneratedRegex("^PIMG[0-9]{4}: ")]
    private static partial Regex CodePrefix();

    private static IReadOnlyDictionary<string, string> Entries()
    {
        var set = Strings.Manager.GetResourceSet(CultureInfo.InvariantCulture, createIfNotExists: true, tryParents: true)!;
        return set.Cast<DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (string)e.Value!);
    }

    private static IEnumerable<string> Constants() => typeof(DiagnosticCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(field => (string)field.GetRawConstantValue()!);

    [Fact]
    public void EveryConstantHasACodedEntryAndEveryEntryAConstant()
    {
        var entries = Entries();

        Assert.Equal(Constants().Order(), entries.Keys.Order());
        Assert.All(entries.Values, value => Assert.Matches(CodePrefix(), value));
    }

    [Fact]
    public void CodesAreUniqueAcrossResourcesAndTargets()
    {
        var codes = Entries().Values.Select(value => value[..8]).Concat(TargetsCodes()).ToList();

        Assert.Equal(codes.Count, codes.Distinct().Count());
    }

    [Fact]
    public void EveryCodeIsDocumentedInTheReadme()
    {
        var readme = File.ReadAllText(RepositoryFiles.Path("README.md"));

        Assert.All(Entries().Values.Select(value => value[..8]).Concat(TargetsCodes()).Append("PIMG0004"),
            code => Assert.Matches($@"(?m)^\| {code} \|.* <a id=""{code.ToLowerInvariant()}""></a> \|$", readme));
    }

    [Fact]
    public void FormatsWithTheirArguments()
    {
        var error = new PipelineImageException(DiagnosticCodes.InvalidTag, "bad tag");

        Assert.StartsWith("PIMG2003: The tag 'bad tag'", error.Message);
    }

    private static IEnumerable<string> TargetsCodes()
    {
        var targets = XDocument.Load(RepositoryFiles.Path("nuget", "build", "PipelineImage.Tasks.targets"));
        // One code may stop the targets in more than one place (PIMG2053: off Linux, or without a cross toolchain).
        return targets.Descendants().Where(e => e.Name.LocalName == "Error").Select(e => (string)e.Attribute("Code")!).Distinct();
    }
}
