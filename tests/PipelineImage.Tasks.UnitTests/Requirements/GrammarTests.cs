using PipelineImage.Diagnostics;
using PipelineImage.Requirements;
using static PipelineImage.Tests.Requirements.RequirementTestData;

namespace PipelineImage.Tests.Requirements;

public class GrammarTests
{
    private static readonly string VeryLong = new('a', Grammar.MaxLength + 1);

    // Inputs no grammar may accept: shell syntax, quoting, white space, globs, look-alikes, empty, too long.
    public static readonly TheoryData<string> Hostile = new()
    {
        "", " ", ";", "curl;id", "curl; rm -rf /", "curl&&id", "curl && id", "curl||id", "curl|sh", "curl&",
        "$(id)", "curl$(id)", "${HOME}", "$HOME", "`id`", "curl`id`", "curl\nid", "curl\r\nid", "curl\n", "\ncurl",
        "curl\tid", "'curl'", "curl'", "\"curl\"", "cu rl", "curl>out", "curl<in", "curl>>out", "curl*", "curl?",
        "[cd]url", "{curl,wget}", "~root", "curl#x", "curl\\", "curl\0", "curl\u00a0", "cu\u2028rl", "\u0441url",
        "ｃｕｒｌ", "curl\u200b", "cur\u217c", "CURL\u212a", "-rf", "--help", VeryLong, "curl=1.0", "curl!", "(curl)",
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void NoOsGrammarAcceptsHostileNames(string value)
    {
        foreach (var manager in Enum.GetValues<OsPackageManager>())
        {
            Assert.NotNull(Grammar.OsPackageNameProblem(manager, value));
            Assert.NotNull(Grammar.OsPackageVersionProblem(manager, value));
        }
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public void NoPipRequirementIsHostile(string value)
    {
        Assert.Null(PipRequirement.Parse(value, "", out var problem));
        Assert.NotNull(problem);
        Assert.Null(PipRequirement.Parse("pandas", value.Length == 0 ? " " : value, out problem));
        Assert.NotNull(problem);
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public void HostileIncludesNeverReachARunLine(string value)
    {
        foreach (var (baseImage, manager) in new[] { (DotnetBase, ""), (DotnetBase + "-alpine", "apk"), (DotnetBase + "-azurelinux3.0", "tdnf"), ("python:3", "pip") })
        {
            var error = Assert.Throws<PipelineImageException>(() => Plan([Item(value, manager)], baseImage));
            Assert.StartsWith("PIMG50", error.Message);
            var versionError = Assert.Throws<PipelineImageException>(() => Plan([Item("tzdata", manager, value.Length == 0 ? "\n" : value)], baseImage));
            Assert.StartsWith("PIMG50", versionError.Message);
        }
    }

    [Theory]
    [InlineData("curl;id", "';'")]
    [InlineData("curl$(id)", "'$'")]
    [InlineData("curl`id`", "'`'")]
    [InlineData("curl\nid", "U+000A")]
    [InlineData("\u0441url", "non-ASCII character U+0441")]
    [InlineData("cu rl", "space")]
    public void MessagesNameTheItemTheProjectAndTheOffendingCharacter(string include, string named)
    {
        var error = Assert.Throws<PipelineImageException>(() => Plan([Item(include)]));

        Assert.Equal(DiagnosticCodes.InvalidOsPackageName, error.ResourceName);
        Assert.Contains($"PipelineRequirement '{include}' in {ProjectFile}", error.Message);
        Assert.Contains(named, error.Message);
    }

    [Theory]
    [InlineData("ffmpeg")]
    [InlineData("libstdc++6")]
    [InlineData("ca-certificates")]
    [InlineData("python3.11")]
    [InlineData("g++")]
    [InlineData("xz-utils")]
    [InlineData("r-base-core")]
    public void DebianNames(string name) => Assert.Null(Grammar.OsPackageNameProblem(OsPackageManager.Apt, name));

    [Theory]
    [InlineData("a")]
    [InlineData("FFmpeg")]
    [InlineData("-ffmpeg")]
    [InlineData("+x")]
    [InlineData(".x")]
    [InlineData("lib_foo")]
    [InlineData("ffmpeg:amd64")]
    [InlineData("ffmpeg/bookworm")]
    public void NotDebianNames(string name) => Assert.NotNull(Grammar.OsPackageNameProblem(OsPackageManager.Apt, name));

    [Theory]
    [InlineData("1.0")]
    [InlineData("2024a-0+deb12u1")]
    [InlineData("1:2.3.4-1")]
    [InlineData("7:5.1.6-0+deb12u1")]
    [InlineData("1.2~rc1-1")]
    [InlineData("0.9+git20230101-2ubuntu1")]
    [InlineData("3.11.2-1+b1")]
    [InlineData("1.0-1-2")]
    public void DebianVersions(string version) => Assert.Null(Grammar.OsPackageVersionProblem(OsPackageManager.Apt, version));

    [Theory]
    [InlineData("v1.0")]
    [InlineData("1.0-")]
    [InlineData("1:")]
    [InlineData(":1.0")]
    [InlineData("a:1.0")]
    [InlineData("1.0_1")]
    [InlineData("1.0-a_b")]
    [InlineData("1.*")]
    [InlineData("1.0:2")]
    public void NotDebianVersions(string version) => Assert.NotNull(Grammar.OsPackageVersionProblem(OsPackageManager.Apt, version));

    [Theory]
    [InlineData("ffmpeg")]
    [InlineData("py3-pip")]
    [InlineData("libstdc++")]
    [InlineData("font-noto-cjk")]
    [InlineData("perl_x")]
    public void AlpineNames(string name) => Assert.Null(Grammar.OsPackageNameProblem(OsPackageManager.Apk, name));

    [Theory]
    [InlineData("so:libc.musl-x86_64.so.1")]
    [InlineData("cmd:ls")]
    [InlineData("-x")]
    [InlineData("a/b")]
    public void NotAlpineNames(string name) => Assert.NotNull(Grammar.OsPackageNameProblem(OsPackageManager.Apk, name));

    [Theory]
    [InlineData("2024a-r0")]
    [InlineData("1.2.3")]
    [InlineData("1.2.3_rc1-r2")]
    [InlineData("6.1.1-r8")]
    [InlineData("1.0a")]
    [InlineData("1.0_p1")]
    [InlineData("1.0_git20240101-r0")]
    public void AlpineVersions(string version) => Assert.Null(Grammar.OsPackageVersionProblem(OsPackageManager.Apk, version));

    [Theory]
    [InlineData("v1")]
    [InlineData("1.0-r")]
    [InlineData("1.0-rx")]
    [InlineData("1.0.")]
    [InlineData("latest")]
    [InlineData(">1.0")]
    [InlineData("1.0-1")]
    public void NotAlpineVersions(string version) => Assert.NotNull(Grammar.OsPackageVersionProblem(OsPackageManager.Apk, version));

    [Theory]
    [InlineData("ffmpeg")]
    [InlineData("gcc-c++")]
    [InlineData("python3-pip")]
    [InlineData("ca-certificates")]
    [InlineData("_private")]
    [InlineData("NetworkManager")]
    public void RpmNames(string name) => Assert.Null(Grammar.OsPackageNameProblem(OsPackageManager.Tdnf, name));

    [Theory]
    [InlineData("-foo")]
    [InlineData("foo/bar")]
    [InlineData("foo:bar")]
    [InlineData("foo~1")]
    public void NotRpmNames(string name) => Assert.NotNull(Grammar.OsPackageNameProblem(OsPackageManager.Tdnf, name));

    [Theory]
    [InlineData("2024a-1.azl3")]
    [InlineData("1.2.3")]
    [InlineData("1:2.0-3.cm2")]
    [InlineData("1.0~rc1-1")]
    [InlineData("3.12.3-4.azl3")]
    public void RpmVersions(string version) => Assert.Null(Grammar.OsPackageVersionProblem(OsPackageManager.Tdnf, version));

    [Theory]
    [InlineData("-1")]
    [InlineData("1.0-")]
    [InlineData("1.0-1-2")]
    [InlineData("1.0^git")]
    [InlineData(":1")]
    [InlineData(".1")]
    public void NotRpmVersions(string version) => Assert.NotNull(Grammar.OsPackageVersionProblem(OsPackageManager.Tdnf, version));

    [Theory]
    [InlineData("pandas", "", "pandas")]
    [InlineData("pandas>=2.0", "", "pandas>=2.0")]
    [InlineData("Pandas[SQL,excel]>=2.0,<3", "", "pandas[excel,sql]<3,>=2.0")]
    [InlineData("pandas[]", "", "pandas")]
    [InlineData("numpy==1.26.*", "", "numpy==1.26.*")]
    [InlineData("requests~=2.31", "", "requests~=2.31")]
    [InlineData("foo===weird-1.x", "", "foo===weird-1.x")]
    [InlineData("Django!=4.0.1", "", "django!=4.0.1")]
    [InlineData("torch==2.1.0+cpu", "", "torch==2.1.0+cpu")]
    [InlineData("a", "", "a")]
    [InlineData("zope.interface>=5", "", "zope-interface>=5")]
    [InlineData("my__pkg>1.0rc1", "", "my-pkg>1.0rc1")]
    [InlineData("pkg<=1!2.0.post1.dev3", "", "pkg<=1!2.0.post1.dev3")]
    [InlineData("pkg>=v2.0", "", "pkg>=v2.0")]
    [InlineData("NumPy", "1.26.4", "numpy==1.26.4")]
    [InlineData("numpy", "1.26.*", "numpy==1.26.*")]
    [InlineData("torch", "2.1.0+cpu", "torch==2.1.0+cpu")]
    [InlineData("pkg>=1,>=1", "", "pkg>=1")]
    public void PipRequirements(string include, string version, string normalized)
    {
        var requirement = PipRequirement.Parse(include, version, out var problem);

        Assert.Null(problem);
        Assert.Equal(normalized, requirement!.ToString());
    }

    [Theory]
    [InlineData("pandas; python_version<'3.8'", "", "environment markers")]
    [InlineData("pandas;sys_platform=='linux'", "", "environment markers")]
    [InlineData("pandas@https://example.com/pandas.whl", "", "direct references")]
    [InlineData("https://example.com/pandas.whl", "", "direct references")]
    [InlineData("pandas >= 2.0", "", "space")]
    [InlineData("pandas>=", "", "not a version clause")]
    [InlineData("pandas=2.0", "", "a pip requirement is")]
    [InlineData("pandas>=2.0,", "", "version clause '' is not usable: it is empty")]
    [InlineData(",pandas", "", "a pip requirement is")]
    [InlineData("_pandas", "", "a pip requirement is")]
    [InlineData("pandas-", "", "a pip requirement is")]
    [InlineData("pandas[excel", "", "a pip requirement is")]
    [InlineData("pandas>=2.*", "", "without '*'")]
    [InlineData("pandas>=2.0+local", "", "without '*' or a local part")]
    [InlineData("pandas~=2", "", "at least two release numbers")]
    [InlineData("pandas==2.*.1", "", "PEP 440")]
    [InlineData("pandas==latest", "", "PEP 440")]
    [InlineData("pandas>=2.0", "2.1", "Version metadata as well")]
    [InlineData("pandas", "2.0;id", "PEP 440")]
    [InlineData("pandas", ">=2.0", "write ranges in the Include")]
    [InlineData("pandas", "2 0", "space")]
    [InlineData("p\u0430ndas", "", "non-ASCII")]
    [InlineData("pandas>2.0|x", "", "'|'")]
    [InlineData("(pandas)", "", "'('")]
    [InlineData("-r", "", "a pip requirement is")]
    [InlineData("--index-url=x", "", "a pip requirement is")]
    public void NotPipRequirements(string include, string version, string reason)
    {
        Assert.Null(PipRequirement.Parse(include, version, out var problem));
        Assert.Contains(reason, problem);
    }

    [Theory]
    [InlineData("https://pypi.example.com/simple", null)]
    [InlineData("http://10.0.0.5:8080/simple/", "10.0.0.5:8080")]
    [InlineData("http://mirror.example.com/simple", "mirror.example.com")]
    [InlineData("file:///wheels", null)]
    [InlineData("https://pkgs.dev.azure.com/org/_packaging/feed/pypi/simple/", null)]
    [InlineData("https://x.example.com/simple?a=1&b=2", null)]
    [InlineData("HTTPS://PYPI.EXAMPLE.COM/simple", null)]
    [InlineData("http://[::1]:3141/root/pypi/", "[::1]:3141")]
    public void IndexUrls(string url, string? trustedHost)
    {
        Assert.Null(PipIndexUrl.Problem(url));
        Assert.Equal(trustedHost, PipIndexUrl.TrustedHost(url));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("pypi.example.com/simple", "not an absolute")]
    [InlineData("/simple", "not an absolute")]
    [InlineData("simple", "not an absolute")]
    [InlineData("ftp://x.example.com/simple", "scheme is 'ftp'")]
    [InlineData("https://user:pw@x.example.com/simple", "credentials")]
    [InlineData("https://x.example.com/$(id)", "'$'")]
    [InlineData("https://x.example.com/'id'", "'''")]
    [InlineData("https://x.example.com/'; rm -rf /'", "space")]
    [InlineData("https://x.example.com/simple\n", "U+000A")]
    [InlineData("https://x.example.com /simple", "space")]
    [InlineData("https://\u0445.example.com/simple", "non-ASCII")]
    [InlineData("https://x.example.com/`id`", "'`'")]
    [InlineData("https://x.example.com/a;b", "';'")]
    [InlineData("https://x.example.com/a#b", "'#'")]
    [InlineData("javascript:alert(1)", "'('")]
    [InlineData("https:///simple", "")]
    public void NotIndexUrls(string url, string reason) => Assert.Contains(reason, PipIndexUrl.Problem(url));

    [Fact]
    public void BadIndexUrlSettingsNameTheProperty()
    {
        var error = Assert.Throws<PipelineImageException>(() => Plan(
            [Pip("pandas")], "python:3", new RequirementSettings { PipExtraIndexUrls = ["https://ok.example.com/simple", "https://x.example.com/$(id)"] }));

        Assert.Equal(DiagnosticCodes.InvalidPipIndexUrl, error.ResourceName);
        Assert.StartsWith("PIMG5011: 'https://x.example.com/$(id)' in PipelineImagePipExtraIndexUrls", error.Message);
    }

    [UnixFact]
    public void ShellQuotingSurvivesTheShellUnexpanded()
    {
        string[] values = ["ffmpeg", "it's", "a'b''c'", "$(id) `id` ; && | > * ? ~ $HOME \\ \" !", "", "'"];
        var script = string.Join(" ", values.Select(Shell.Quote));

        var start = new System.Diagnostics.ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("for a in " + script + "; do printf '%s\\n' \"$a\"; done");
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();

        Assert.Equal(string.Concat(values.Select(value => value + "\n")), output);
    }
}
