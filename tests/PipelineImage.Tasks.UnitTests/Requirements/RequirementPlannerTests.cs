using PipelineImage.Diagnostics;
using PipelineImage.Dockerfile;
using PipelineImage.Requirements;
using static PipelineImage.Tests.Requirements.RequirementTestData;

namespace PipelineImage.Tests.Requirements;

public class RequirementPlannerTests
{
    private static readonly Func<string, string?> AptFiles = Files(
        ("/src/App/packages.txt", "# tools the steps shell out to\ncurl\n\nca-certificates=20230311 # pinned\r\nffmpeg\n"),
        ("/src/App/requirements.txt", "scikit-learn==1.4.2\n# a comment\n--only-binary=:all:\n"));

    private static RequirementItem[] AptItems() =>
    [
        Item("ffmpeg"),
        Item("tzdata", version: "2024a-0+deb12u1"),
        Item("packages.txt", "apt"),
        Pip("pandas>=2.0"),
        Pip("requirements.txt"),
        Pip("NumPy", "1.26.4"),
    ];

    private static readonly RequirementSettings PrivateIndexes = new()
    {
        PipIndexUrl = "https://pypi.example.com/simple",
        PipExtraIndexUrls = ["http://mirror.example.com:8080/simple/", "https://other.example.com/simple?token-free=1&x=2"],
        PipFindLinks = ["file:///wheels"],
    };

    [Fact]
    public void AptInstallsEveryOsPackageInOneSortedStepThenPipInAVenv()
    {
        var plan = Plan(AptItems(), settings: PrivateIndexes, files: AptFiles);

        GoldenFile.AssertMatches("requirements-apt.Dockerfile", Render(plan));
        Assert.Equal(OsPackageManager.Apt, plan.Manager);
        Assert.Equal(["ca-certificates=20230311", "curl", "ffmpeg", "python3", "python3-venv", "tzdata=2024a-0+deb12u1"], plan.OsPackages);
        Assert.Equal(["numpy==1.26.4", "pandas>=2.0"], plan.PipRequirements);
        var file = Assert.Single(plan.Context);
        Assert.Equal(".pipelineimage/requirements/1-requirements.txt", file.ContextPath);
        Assert.Equal("/src/App/requirements.txt", file.SourcePath);
    }

    [Fact]
    public void ApkPinsWithEqualsAndKeepsNoCache()
    {
        var plan = Plan(
            [Item("ffmpeg"), Item("tzdata", version: "2024a-r0"), Pip("requests==2.31.0")],
            "mcr.microsoft.com/dotnet/runtime:10.0-alpine");

        GoldenFile.AssertMatches("requirements-apk.Dockerfile", Render(plan));
        Assert.Equal(OsPackageManager.Apk, plan.Manager);
        Assert.Equal(["ffmpeg", "py3-pip", "python3", "tzdata=2024a-r0"], plan.OsPackages);
    }

    [Fact]
    public void TdnfPinsWithADashAndCleansUp()
    {
        var plan = Plan(
            [Item("ffmpeg"), Item("tzdata", version: "2024a-1.azl3"), Pip("numpy")],
            "mcr.microsoft.com/dotnet/runtime:10.0-azurelinux3.0");

        GoldenFile.AssertMatches("requirements-tdnf.Dockerfile", Render(plan));
        Assert.Equal(["ffmpeg", "python3", "tzdata-2024a-1.azl3"], plan.OsPackages);
    }

    [Fact]
    public void PipOnAPythonBaseNeedsNoOsPackagesAndCopiesEachRequirementsFile()
    {
        var plan = Plan(
            [Pip("requirements.txt"), Pip("ml/requirements.txt"), Pip("pandas"), Pip("./requirements.txt")],
            "python:3.12-slim-bookworm",
            new RequirementSettings { PipFindLinks = ["file:///wheels"] },
            Files(("/src/App/requirements.txt", "torch\n"), ("/src/App/ml/requirements.txt", "scipy\n")));

        GoldenFile.AssertMatches("requirements-pip-python-base.Dockerfile", Render(plan));
        Assert.Null(plan.Manager);
        Assert.Equal(
            [(".pipelineimage/requirements/1-requirements.txt", "/src/App/ml/requirements.txt"), (".pipelineimage/requirements/2-requirements.txt", "/src/App/requirements.txt")],
            plan.Context.Select(entry => (entry.ContextPath, entry.SourcePath!)));
    }

    [Fact]
    public void OsPackagesAloneNeedNoPythonAndNoEnv()
    {
        var plan = Plan([Item("libgomp1")]);

        Assert.Equal(
            "USER root\n" +
            "RUN set -eu; \\\n" +
            "    export DEBIAN_FRONTEND=noninteractive; \\\n" +
            "    apt-get update; \\\n" +
            "    apt-get install -y --no-install-recommends \\\n" +
            "        'libgomp1'; \\\n" +
            "    rm -rf /var/lib/apt/lists/*\n",
            Render(plan));
        Assert.Empty(plan.Context);
    }

    [Fact]
    public void NoItemsNoInstructions()
    {
        var plan = Plan([]);

        Assert.Empty(plan.Instructions);
        Assert.Empty(plan.Context);
    }

    [Fact]
    public void EmptyPackageListsLeaveNothingToDo()
    {
        var plan = Plan([Item("packages.txt")], files: Files(("/src/App/packages.txt", "# nothing yet\n")));

        Assert.Empty(plan.Instructions);
    }

    [Fact]
    public void BaseHasPythonSettingSkipsThePythonPackages()
    {
        var plan = Plan([Pip("pandas")], "registry.example.com/team/python-base:1", new RequirementSettings { BaseHasPython = true });

        Assert.DoesNotContain(plan.Instructions, instruction => instruction is RunInstruction run && run.Lines.Any(line => line.Contains("apt-get")));
        Assert.Null(plan.Manager);
    }

    [Fact]
    public void BaseHasPythonFalseOverridesTheGuess()
    {
        var plan = Plan([Pip("pandas")], "python:3.12", new RequirementSettings { BaseHasPython = false });

        Assert.Equal(["python3", "python3-venv"], plan.OsPackages);
    }

    [Fact]
    public void SameInputsInAnyOrderGiveTheSameInstructions()
    {
        var expected = Plan(AptItems(), settings: PrivateIndexes, files: AptFiles);
        var random = new Random(20240611);
        for (var i = 0; i < 25; i++)
        {
            var shuffled = AptItems().OrderBy(_ => random.Next()).ToArray();

            var plan = Plan(shuffled, settings: PrivateIndexes, files: AptFiles);

            Assert.Equal(Render(expected), Render(plan));
            Assert.Equal(expected.Context.Select(e => (e.ContextPath, e.SourcePath)), plan.Context.Select(e => (e.ContextPath, e.SourcePath)));
        }
    }

    [Fact]
    public void DuplicatesAreMergedAndAPinWinsOverNoPin()
    {
        var plan = Plan(
            [Item("curl"), Item("curl", "apt"), Item("curl", version: "7.88.1-10+deb12u5"), Item("packages.txt")],
            files: Files(("/src/App/packages.txt", "curl\ncurl=7.88.1-10+deb12u5\n")));

        Assert.Equal(["curl=7.88.1-10+deb12u5"], plan.OsPackages);
    }

    [Fact]
    public void SamePipRequirementWrittenDifferentlyIsOne()
    {
        var plan = Plan([Pip("Pandas[SQL,excel]>=2.0,<3"), Pip("pandas[excel,sql]<3,>=2.0"), Pip("zope_interface"), Pip("Zope.Interface")], "python:3.12");

        Assert.Equal(["pandas[excel,sql]<3,>=2.0", "zope-interface"], plan.PipRequirements);
    }

    [Fact]
    public void TheSamePackagePinnedTwiceDifferentlyIsAnError()
    {
        var error = Assert.Throws<PipelineImageException>(() => Plan(
            [Item("tzdata", version: "2024a-0+deb12u1"), Item("packages.txt")],
            files: Files(("/src/App/packages.txt", "\n\ntzdata=2024b-0+deb12u1\n"))));

        Assert.Equal(DiagnosticCodes.ConflictingOsPackageVersions, error.ResourceName);
        Assert.StartsWith("PIMG5008: ", error.Message);
        Assert.Contains("'2024a-0+deb12u1' (PipelineRequirement 'tzdata')", error.Message);
        Assert.Contains("'2024b-0+deb12u1' (line 3 of PipelineRequirement 'packages.txt')", error.Message);
        Assert.Contains(ProjectFile, error.Message);
    }

    [Fact]
    public void AUserPinOfAPythonPackageIsKept()
    {
        var plan = Plan([Item("python3", version: "3.11.2-1+b1"), Pip("pandas")]);

        Assert.Equal(["python3=3.11.2-1+b1", "python3-venv"], plan.OsPackages);
    }

    [Fact]
    public void TheSamePipPackageWithDifferentSpecifiersIsAnError()
    {
        var error = Assert.Throws<PipelineImageException>(() => Plan([Pip("pandas>=2.0"), Pip("pandas<3")], "python:3.12"));

        Assert.Equal(DiagnosticCodes.ConflictingPipRequirements, error.ResourceName);
        Assert.Contains("'pandas<3' (PipelineRequirement 'pandas<3')", error.Message);
    }

    [Theory]
    [InlineData("mcr.microsoft.com/dotnet/runtime:10.0-alpine", "", "apt", "apk", "the base image")]
    [InlineData("mcr.microsoft.com/dotnet/runtime:10.0", "apk", "apt", "apk", "PipelineImageOsPackageManager")]
    [InlineData("registry.example.com/base:1", "", "tdnf", "apt", "the Manager metadata of PipelineRequirement 'a-package'")]
    public void ManagersThatDisagreeAreAnError(string baseImage, string property, string itemManager, string expectedManager, string source)
    {
        RequirementItem[] items = baseImage.StartsWith("registry", StringComparison.Ordinal)
            ? [Item("a-package", "apt"), Item("b-package", itemManager)]
            : [Item("b-package", itemManager)];

        var error = Assert.Throws<PipelineImageException>(() => Plan(items, baseImage, new RequirementSettings { OsPackageManager = property }));

        Assert.Equal(DiagnosticCodes.OsPackageManagerConflict, error.ResourceName);
        Assert.Contains($"PipelineRequirement 'b-package' in {ProjectFile} has Manager '{itemManager}'", error.Message);
        Assert.Contains($"installed with {expectedManager} (from {source}", error.Message);
    }

    [Fact]
    public void ItemManagerNamesTheManagerOfAnUnknownBase()
    {
        var plan = Plan([Item("curl", "apk"), Item("git")], "registry.example.com/base:1");

        Assert.Equal(OsPackageManager.Apk, plan.Manager);
    }

    [Fact]
    public void PropertyNamesTheManagerOfAnUnknownBase()
    {
        var plan = Plan([Item("curl")], "registry.example.com/base:1", new RequirementSettings { OsPackageManager = " TDNF " });

        Assert.Equal(OsPackageManager.Tdnf, plan.Manager);
    }

    [Theory]
    [InlineData("curl", "")]
    [InlineData("pandas", "pip")]
    public void UnknownBaseWithoutAManagerIsAnError(string include, string manager)
    {
        var error = Assert.Throws<PipelineImageException>(() => Plan([Item(include, manager)], "registry.example.com/base:1"));

        Assert.Equal(DiagnosticCodes.OsPackageManagerUnknown, error.ResourceName);
        Assert.Contains($"PipelineRequirement '{include}' in {ProjectFile}", error.Message);
        Assert.Contains("PipelineImageOsPackageManager", error.Message);
    }

    [Theory]
    [InlineData("mcr.microsoft.com/dotnet/runtime:10.0-noble-chiseled")]
    [InlineData("mcr.microsoft.com/dotnet/runtime-deps:10.0-azurelinux3.0-distroless")]
    [InlineData("gcr.io/distroless/base-debian12")]
    public void ChiseledAndDistrolessBasesCannotInstallAnything(string baseImage)
    {
        var error = Assert.Throws<PipelineImageException>(() => Plan([Item("curl")], baseImage));

        Assert.Equal(DiagnosticCodes.BaseImageWithoutPackageManager, error.ResourceName);
        Assert.Contains("PipelineRequirement 'curl'", error.Message);
    }

    [Fact]
    public void AnInvalidManagerPropertyIsAnErrorEvenWithoutRequirements()
    {
        var error = Assert.Throws<PipelineImageException>(() => Plan([], settings: new RequirementSettings { OsPackageManager = "yum" }));

        Assert.Equal(DiagnosticCodes.InvalidOsPackageManager, error.ResourceName);
        Assert.StartsWith("PIMG5002: PipelineImageOsPackageManager 'yum'", error.Message);
    }

    [Fact]
    public void MissingFilesAreAnError()
    {
        var error = Assert.Throws<PipelineImageException>(() => Plan([Pip("reqs/requirements.txt")], "python:3"));

        Assert.Equal(DiagnosticCodes.RequirementFileMissing, error.ResourceName);
        Assert.Contains("/src/App/reqs/requirements.txt", error.Message);
    }

    [Theory]
    [InlineData("-r base.txt")]
    [InlineData("  --requirement=base.txt")]
    [InlineData("-c constraints.txt")]
    [InlineData("--constraint constraints.txt")]
    public void RequirementsFilesReferringToOtherFilesAreAnError(string line)
    {
        var error = Assert.Throws<PipelineImageException>(() => Plan(
            [Pip("requirements.txt")], "python:3", files: Files(("/src/App/requirements.txt", "pandas\n" + line + "\n"))));

        Assert.Equal(DiagnosticCodes.NestedRequirementFile, error.ResourceName);
        Assert.Contains("Line 2 of the requirements file PipelineRequirement 'requirements.txt'", error.Message);
    }

    [Fact]
    public void FullPathMetadataWinsOverTheProjectDirectory()
    {
        var item = Pip("requirements.txt") with { FullPath = "/elsewhere/requirements.txt" };

        var plan = Plan([item], "python:3", files: Files(("/elsewhere/requirements.txt", "x\n")));

        Assert.Equal("/elsewhere/requirements.txt", Assert.Single(plan.Context).SourcePath);
    }

    [UnixFact]
    public void BackslashesInTheIncludeAreSeparators()
    {
        var plan = Plan([Pip("..\\shared\\requirements.txt")], "python:3", files: Files(("/src/shared/requirements.txt", "x\n")));

        Assert.Equal("/src/shared/requirements.txt", Assert.Single(plan.Context).SourcePath);
    }

    [Fact]
    public void ContextFileNamesAreKeptToASafeAlphabet()
    {
        var plan = Plan([Pip("it's $(odd) req.txt")], "python:3", files: Files(("/src/App/it's $(odd) req.txt", "x\n")));

        Assert.Equal(".pipelineimage/requirements/1-it_s___odd__req.txt", Assert.Single(plan.Context).ContextPath);
        Assert.Contains("-r '/opt/pipelineimage/requirements/1-it_s___odd__req.txt'", Render(plan));
    }

    [Fact]
    public void StepsRunAsRootBeforeAnythingElse()
    {
        var plan = Plan([Item("curl")]);

        Assert.Equal(new UserInstruction("root"), plan.Instructions[0]);
    }

    [UnixFact]
    public void RunLinesAreValidShellOnceTheParserJoinsThem()
    {
        var plans = new[]
        {
            Plan(AptItems(), settings: PrivateIndexes, files: AptFiles),
            Plan([Item("ffmpeg"), Pip("numpy")], "alpine:3"),
            Plan([Item("ffmpeg"), Pip("numpy")], "mcr.microsoft.com/azurelinux/base/core:3.0"),
        };

        foreach (var run in plans.SelectMany(plan => plan.Instructions).OfType<RunInstruction>())
        {
            // The Dockerfile parser removes each backslash-newline, so the shell gets one line.
            var command = DockerfileWriter.Render(new DockerfileDefinition([], [run]))["RUN ".Length..].Replace("\\\n", "", StringComparison.Ordinal).TrimEnd('\n');
            var start = new System.Diagnostics.ProcessStartInfo("/bin/sh") { RedirectStandardError = true };
            start.ArgumentList.Add("-n");
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(command);
            using var process = System.Diagnostics.Process.Start(start)!;
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();

            Assert.DoesNotContain('\n', command);
            Assert.True(process.ExitCode == 0, command + "\n" + error);
        }
    }

    [Fact]
    public void WithANetrcSecretPipReadsItFromItsMountForThatStepOnly()
    {
        var plan = Plan([Pip("pandas")], settings: PrivateIndexes with { PipNetrcSecret = " pip-netrc " });

        var text = DockerfileWriter.Render(new DockerfileDefinition([], plan.Instructions), cacheMounts: true);

        Assert.Contains("RUN --mount=type=cache,target=/root/.cache/pip --mount=type=secret,id=pip-netrc \\\n    set -eu; \\\n    export NETRC=/run/secrets/pip-netrc; \\\n", text, StringComparison.Ordinal);
        Assert.Equal(["pip-netrc"], DockerfileWriter.Secrets(new DockerfileDefinition([], plan.Instructions)));
        Assert.DoesNotContain("NETRC", Render(Plan([Pip("pandas")], settings: PrivateIndexes)), StringComparison.Ordinal);
    }

    [Fact]
    public void WithAnAuthSecretAptReadsItsCredentialsFromItsMountInTheCachedStepOnly()
    {
        var plan = Plan([Item("libgomp1")], settings: new RequirementSettings { AptAuthSecret = " apt-auth " });

        var text = DockerfileWriter.Render(new DockerfileDefinition([], plan.Instructions), cacheMounts: true);

        Assert.Contains("--mount=type=secret,id=apt-auth \\\n", text, StringComparison.Ordinal);
        Assert.Contains("    apt-get -o Dir::Etc::netrc=/run/secrets/apt-auth -o APT::Sandbox::User=root update; \\\n", text, StringComparison.Ordinal);
        Assert.Contains("    apt-get -o Dir::Etc::netrc=/run/secrets/apt-auth -o APT::Sandbox::User=root install -y --no-install-recommends \\\n", text, StringComparison.Ordinal);
        Assert.Equal(["apt-auth"], DockerfileWriter.Secrets(new DockerfileDefinition([], plan.Instructions)));
        Assert.DoesNotContain("netrc", DockerfileWriter.Render(new DockerfileDefinition([], Plan([Item("libgomp1")]).Instructions), cacheMounts: true), StringComparison.Ordinal);
    }
}
