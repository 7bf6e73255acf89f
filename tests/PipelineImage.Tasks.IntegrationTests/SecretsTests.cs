using System.IO.Compression;
using System.Text;
using PipelineImage.IntegrationTests.Infrastructure;

namespace PipelineImage.IntegrationTests;

/// <summary>
/// PipelineImageSecret: a value RUN steps read through a secret mount, passed by BuildKit's session, and found in no
/// layer, no history, no console output and no binlog.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class SecretsTests(PackageFeed feed)
{
    private const string Value = "pimg-s3cr3t-Zq7w";

    // The step checks the value by its hash, so that the Dockerfile (and the log of the step) never holds it.
    private static readonly string ParentDockerfile = $"""
        FROM mcr.microsoft.com/dotnet/runtime:10.0
        RUN --mount=type=secret,id=api-token test "$(sha256sum < /run/secrets/api-token | cut -c1-64)" = "{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(Value)))}" \
            && echo "token bytes: $(wc -c < /run/secrets/api-token)" > /etc/pipeline-token-check
        """;

    [EngineFact]
    public Task AParentDockerfileReadsASecretThatEndsUpInNoLayerHistoryLogOrBinlog() =>
        SecretInNothingButTheStepAsync(null, "Builder: buildkit (the engine advertises BuildKit (Builder-Version: 2))");

    // builder: null for auto on docker.
    internal async Task SecretInNothingButTheStepAsync(BuilderUnderTest? builder, string chosen)
    {
        var engine = builder?.Cli ?? Cli.Docker;
        await using var project = ProjectWithSecret("""<PipelineImageSecret Include="api-token" Environment="PIMG_TEST_API_TOKEN" />""", builder?.Engine);
        var binlog = Path.Combine(project.Directory, "publish.binlog");

        var publish = await project.PublishAsync(new Dictionary<string, string?> { ["PIMG_TEST_API_TOKEN"] = Value }, [.. builder?.Arguments ?? [], "-v:d", "-bl:" + binlog]);

        Assert.True(publish.ExitCode == 0, publish.ToString());
        Assert.Contains(chosen, publish.Output);
        Assert.Contains("Secrets for the build: api-token", publish.Output);
        Assert.Equal("token bytes: 16", await TokenCheckAsync(project, engine));
        Assert.DoesNotContain(Value, publish.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Value, ReadBinlog(binlog), StringComparison.Ordinal);
        var listed = (await engine.RunAsync("image", "ls", "--format", "{{.Repository}}:{{.Tag}}", $"{project.ImageName}-parent")).Output;
        var parent = Assert.Single(listed.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            line => line.Contains($"{project.ImageName}-parent:", StringComparison.Ordinal));
        foreach (var image in new[] { $"{project.ImageName}:latest", parent })
        {
            var history = await engine.RunAsync("history", "--no-trunc", image);
            Assert.True(history.ExitCode == 0, $"history of '{image}': {history}");
            Assert.Contains("/run/secrets/api-token", history.Output);
            Assert.DoesNotContain(Value, history.Output, StringComparison.Ordinal);
            Assert.False(await SavedImageContainsAsync(engine, image, Value), $"{image}'s saved layers hold the secret's value");
        }
    }

    [EngineFact]
    public async Task ASecretFromAFileIsReadAndAMissingOneIsPimg2032NamingTheItem()
    {
        await using var project = ProjectWithSecret("""<PipelineImageSecret Include="api-token" File="secrets/token.txt" />""");

        var missing = await project.PublishAsync();

        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("error PIMG2032: PipelineImageSecret 'api-token': its file " + Path.Combine(project.Directory, "secrets", "token.txt") + " does not exist.", missing.Output);

        Directory.CreateDirectory(Path.Combine(project.Directory, "secrets"));
        await File.WriteAllTextAsync(Path.Combine(project.Directory, "secrets", "token.txt"), Value);
        var publish = await project.PublishAsync();

        Assert.True(publish.ExitCode == 0, publish.ToString());
        Assert.Equal("token bytes: 16", await TokenCheckAsync(project));
    }

    [EngineFact]
    public async Task AnUnsetVariableAnInvalidItemAndTheClassicBuilderAreClearErrors()
    {
        await using var project = ProjectWithSecret("""
            <PipelineImageSecret Include="api-token" Environment="PIMG_TEST_UNSET_TOKEN" />
            <PipelineImageSecret Include="both" Environment="HOME" File="x" />
            """);

        var invalid = await project.PublishAsync();

        Assert.NotEqual(0, invalid.ExitCode);
        Assert.Contains("error PIMG2032: PipelineImageSecret 'api-token': its environment variable PIMG_TEST_UNSET_TOKEN is not set.", invalid.Output);
        Assert.Contains("error PIMG2031: PipelineImageSecret 'both' is not valid: it sets both Environment and File.", invalid.Output);

        project.WriteProject("<PipelineImageParentDockerfile>docker/Parent.Dockerfile</PipelineImageParentDockerfile><PipelineImageNetwork>none</PipelineImageNetwork>",
            """<PipelineImageSecret Include="api-token" Environment="PIMG_TEST_API_TOKEN" />""");
        var classic = await project.PublishAsync(new Dictionary<string, string?> { ["PIMG_TEST_API_TOKEN"] = Value }, "-p:PipelineImageBuilder=classic");

        Assert.NotEqual(0, classic.ExitCode);
        Assert.Contains("error PIMG1013: the build has secrets (api-token), but the classic builder cannot pass them", classic.Output);
        Assert.DoesNotContain(Value, classic.Output, StringComparison.Ordinal);
    }

    [EngineFact]
    public async Task APipRequirementFromAnIndexBehindBasicAuthInstallsWithANetrcSecretAndFailsClearlyWithout()
    {
        const string password = "pimg-index-pa55-Kx3";
        await using var index = new LocalPackageIndex(("pipeline-ci", password), ("pimg-private", "1.0.0", "SOURCE = 'from the private index'\n"));
        await using var project = new TestProject(feed,
            properties: $"""
                <PipelineImageNetwork>host</PipelineImageNetwork>
                <PipelineImagePipIndexUrl>{index.Url}</PipelineImagePipIndexUrl>
                <PipelineImagePipNetrcSecret>pip-netrc</PipelineImagePipNetrcSecret>
                """,
            items: """
                <PipelineRequirement Include="pimg-private" Version="1.0.0" Manager="pip" />
                <PipelineImageSecret Include="pip-netrc" Environment="PIMG_TEST_NETRC" />
                """,
            program: TestSources.ShellingOutProgram("""Console.WriteLine(Run("python", "-c", "import pimg_private; print(pimg_private.SOURCE)"));"""));
        static string Netrc(string secret) => $"machine 127.0.0.1 login pipeline-ci password {secret}\n";

        var refused = await project.PublishAsync(new Dictionary<string, string?> { ["PIMG_TEST_NETRC"] = Netrc("wrong-" + password) });

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("error PIMG1003", refused.Output);
        Assert.Contains("pimg-private", refused.Output);
        Assert.True(index.Refused > 0, refused.ToString());
        Assert.Equal(0, index.Downloads);
        Assert.DoesNotContain(password, refused.Output, StringComparison.Ordinal);

        var binlog = Path.Combine(project.Directory, "publish.binlog");
        var publish = await project.PublishAsync(new Dictionary<string, string?> { ["PIMG_TEST_NETRC"] = Netrc(password) }, "-v:d", "-bl:" + binlog);

        Assert.True(publish.ExitCode == 0, publish.ToString());
        Assert.Equal(1, index.Downloads);
        Assert.Contains("--mount=type=secret,id=pip-netrc", await File.ReadAllTextAsync(Path.Combine(project.OutputDirectory, "Dockerfile")));
        Assert.Equal("from the private index", (await Docker.RunImageAsync($"{project.ImageName}:latest")).Output.Trim());
        Assert.DoesNotContain(password, publish.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(password, ReadBinlog(binlog), StringComparison.Ordinal);
        Assert.DoesNotContain(password, (await Docker.RunAsync("history", "--no-trunc", $"{project.ImageName}:latest")).Output, StringComparison.Ordinal);
        Assert.False(await SavedImageContainsAsync(Cli.Docker, $"{project.ImageName}:latest", password), "the saved layers hold the index password");
    }

    [EngineFact]
    public async Task AnAptPackageFromARepositoryBehindBasicAuthInstallsWithAnAuthSecretAndFailsClearlyWithWrongOnes()
    {
        const string password = "pimg-apt-pa55-Qz7";
        await using var index = new LocalPackageIndex(("apt-ci", password));
        var repository = await AptRepository.ServeAsync(index, "pimg-private-tool", "1.0", "#!/bin/sh\necho from the private apt repository\n");
        await using var project = new TestProject(feed,
            properties: """
                <PipelineImageNetwork>host</PipelineImageNetwork>
                <PipelineImageParentDockerfile>Parent.Dockerfile</PipelineImageParentDockerfile>
                <PipelineImageAptAuthSecret>apt-auth</PipelineImageAptAuthSecret>
                """,
            items: """
                <PipelineRequirement Include="pimg-private-tool" />
                <PipelineImageSecret Include="apt-auth" Environment="PIMG_TEST_APT_AUTH" />
                """);
        // The base knows only the private repository, as a company's base image knows its mirror.
        await File.WriteAllTextAsync(Path.Combine(project.Directory, "Parent.Dockerfile"),
            $"FROM mcr.microsoft.com/dotnet/runtime:10.0\nRUN rm -rf /etc/apt/sources.list /etc/apt/sources.list.d/* && echo 'deb [trusted=yes] {repository} ./' > /etc/apt/sources.list.d/private.list\n");
        // apt uses auth.conf for plain http only where the machine names the scheme.
        string Auth(string secret) => $"machine {repository} login apt-ci password {secret}\n";

        var refused = await project.PublishAsync(new Dictionary<string, string?> { ["PIMG_TEST_APT_AUTH"] = Auth("wrong-" + password) });

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("error PIMG1003", refused.Output);
        Assert.True(index.Refused > 0, refused.ToString());
        Assert.DoesNotContain(password, refused.Output, StringComparison.Ordinal);

        var publish = await project.PublishAsync(new Dictionary<string, string?> { ["PIMG_TEST_APT_AUTH"] = Auth(password) }, "-v:n");

        Assert.True(publish.ExitCode == 0, publish.ToString());
        Assert.Contains("apt-get -o Dir::Etc::netrc=/run/secrets/apt-auth", await File.ReadAllTextAsync(Path.Combine(project.OutputDirectory, "Dockerfile")));
        Assert.Equal("from the private apt repository",
            (await Docker.RunAsync("run", "--rm", "--network", "none", "--entrypoint", "pimg-private-tool", $"{project.ImageName}:latest")).Output.Trim());
        Assert.DoesNotContain(password, publish.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(password, (await Docker.RunAsync("history", "--no-trunc", $"{project.ImageName}:latest")).Output, StringComparison.Ordinal);
        Assert.False(await SavedImageContainsAsync(Cli.Docker, $"{project.ImageName}:latest", password), "the saved layers hold the repository password");
    }

    private TestProject ProjectWithSecret(string items, EngineUnderTest? engine = null)
    {
        var project = new TestProject(feed,
            properties: "<PipelineImageParentDockerfile>docker/Parent.Dockerfile</PipelineImageParentDockerfile><PipelineImageNetwork>none</PipelineImageNetwork>",
            items: items, engine: engine);
        Directory.CreateDirectory(Path.Combine(project.Directory, "docker"));
        File.WriteAllText(Path.Combine(project.Directory, "docker", "Parent.Dockerfile"), ParentDockerfile);
        return project;
    }

    private static async Task<string> TokenCheckAsync(TestProject project, ContainerCli? engine = null) =>
        (await (engine ?? Cli.Docker).RunAsync("run", "--rm", "--network", "none", "--entrypoint", "cat", $"{project.ImageName}:latest", "/etc/pipeline-token-check")).Output.Trim();

    // A binlog is a gzip stream of records; the value would appear in it as UTF-8 (strings are not further encoded).
    private static string ReadBinlog(string path)
    {
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var text = new MemoryStream();
        gzip.CopyTo(text);
        return Encoding.UTF8.GetString(text.ToArray());
    }

    private static async Task<bool> SavedImageContainsAsync(ContainerCli engine, string image, string value)
    {
        var tar = Path.Combine(Path.GetTempPath(), $"pimg-save-{Guid.NewGuid():N}.tar");
        try
        {
            var save = await engine.RunAsync("save", "-o", tar, image);
            Assert.True(save.ExitCode == 0, save.ToString());
            var bytes = await File.ReadAllBytesAsync(tar);
            return bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(value)) >= 0;
        }
        finally
        {
            File.Delete(tar);
        }
    }
}
