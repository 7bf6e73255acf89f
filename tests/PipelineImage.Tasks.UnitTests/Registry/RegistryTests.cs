using System.Text;
using PipelineImage.Diagnostics;
using PipelineImage.Registry;

namespace PipelineImage.Tests.Registry;

public class RegistryHostTests
{
    [Theory]
    [InlineData("ubuntu", "docker.io")]
    [InlineData("team/app", "docker.io")]
    [InlineData("docker.io/team/app", "docker.io")]
    [InlineData("index.docker.io/team/app", "docker.io")]
    [InlineData("localhost/app", "localhost")]
    [InlineData("localhost:5000/app", "localhost:5000")]
    [InlineData("127.0.0.1:5001/team/app", "127.0.0.1:5001")]
    [InlineData("Registry.Example.com/team/app", "registry.example.com")]
    [InlineData("ghcr.io/org/app", "ghcr.io")]
    public void TheRegistryOfAReference(string reference, string registry) => Assert.Equal(registry, RegistryHost.Of(reference));

    [Theory]
    [InlineData("https://index.docker.io/v1/", "docker.io")]
    [InlineData("registry-1.docker.io", "docker.io")]
    [InlineData("http://localhost:5000", "localhost:5000")]
    [InlineData("https://registry.example.com/v2/", "registry.example.com")]
    [InlineData("registry.example.com:443", "registry.example.com:443")]
    public void ConfigKeysAreComparedAsTheDockerCliDoes(string key, string normalized) => Assert.Equal(normalized, RegistryHost.Normalize(key));

    [Theory]
    [InlineData("docker.io", "https://index.docker.io/v1/")]
    [InlineData("localhost:5001", "localhost:5001")]
    public void HelpersAreAskedForTheServerUrl(string registry, string url) => Assert.Equal(url, RegistryHost.ServerUrl(registry));
}

public class DockerConfigTests
{
    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void ReadsAuthsHelpersStoreAndContext()
    {
        var config = DockerConfig.Parse($$"""
            {
              "auths": {
                "https://index.docker.io/v1/": { "auth": "{{Base64("hub-user:hub:pass")}}" },
                "localhost:5001": { "auth": "{{Base64("ci:s3cret")}}", "identitytoken": "" },
                "token.example.com": { "identitytoken": "refresh-token" },
                "empty.example.com": {}
              },
              "credHelpers": { "https://gcr.io": "gcloud", "123.dkr.ecr.us-east-1.amazonaws.com": "ecr-login" },
              "credsStore": "desktop",
              "currentContext": "remote",
            }
            """, "/home/u/.docker/config.json");

        Assert.Equal(new RegistryCredential("hub-user", "hub:pass"), config.Auths["docker.io"]);
        Assert.Equal(new RegistryCredential("ci", "s3cret"), config.Auths["localhost:5001"]);
        Assert.Equal(new RegistryCredential("", "", "refresh-token"), config.Auths["token.example.com"]);
        Assert.False(config.Auths.ContainsKey("empty.example.com"));
        Assert.Equal("gcloud", config.CredHelpers["gcr.io"]);
        Assert.Equal("desktop", config.CredsStore);
        Assert.Equal("remote", config.CurrentContext);
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("[]")]
    [InlineData("{\"auths\":{\"r\":{\"auth\":\"***not-base64***\"}}}")]
    [InlineData("{\"auths\":{\"r\":{\"auth\":\"bm9jb2xvbg==\"}}}")]
    public void BadFilesArePimg2025NamingTheFileButNotItsContents(string json)
    {
        var error = Assert.Throws<PipelineImageException>(() => DockerConfig.Parse(json, "/c/config.json"));

        Assert.StartsWith("PIMG2025: The docker config file /c/config.json", error.Message);
        Assert.DoesNotContain("bm9jb2xvbg", error.Message);
    }

    [Fact]
    public void CredentialsNeverPrintTheirSecrets() =>
        Assert.DoesNotContain("s3cret", new RegistryCredential("ci", "s3cret", "s3cret-token").ToString());

    [Theory]
    [InlineData(null, "/home/u/.docker")]
    [InlineData("", "/home/u/.docker")]
    [InlineData("/ci/docker", "/ci/docker")]
    public void TheConfigDirectory(string? variable, string expected) => Assert.Equal(expected, DockerConfig.Directory(variable, "/home/u"));
}

public class CredentialResolverTests
{
    private static readonly DockerConfig Config = new(
        "/c/config.json",
        new Dictionary<string, RegistryCredential>
        {
            ["localhost:5001"] = new("file-user", "file-pass"),
            ["helped.example.com"] = new("stale", "stale"),
        },
        new Dictionary<string, string> { ["helped.example.com"] = "pimgtest" },
        "",
        "");

    private static readonly Func<string, string?> NoVariables = _ => null;

    private static Func<string, string, string?> Helper(string? answer, List<(string, string)>? calls = null) => (helper, url) =>
    {
        calls?.Add((helper, url));
        return answer;
    };

    [Fact]
    public void EnvironmentVariablesWinForEveryRegistry()
    {
        var variables = new Dictionary<string, string?> { ["PIPELINEIMAGE_REGISTRY_USERNAME"] = "ci", ["PIPELINEIMAGE_REGISTRY_PASSWORD"] = "env-pass" };

        var resolved = CredentialResolver.Resolve("localhost:5001", Config, name => variables.GetValueOrDefault(name), Helper(null));

        Assert.Equal(new RegistryCredential("ci", "env-pass"), resolved.Credential);
        Assert.Contains("PIPELINEIMAGE_REGISTRY_USERNAME", resolved.Source);
    }

    [Fact]
    public void AHelperNamedForTheRegistryIsAskedWithItsServerUrl()
    {
        var calls = new List<(string, string)>();

        var resolved = CredentialResolver.Resolve("helped.example.com", Config, NoVariables,
            Helper("""{"ServerURL":"helped.example.com","Username":"helper-user","Secret":"helper-pass"}""", calls));

        Assert.Equal(new RegistryCredential("helper-user", "helper-pass"), resolved.Credential);
        Assert.Equal([("pimgtest", "helped.example.com")], calls);
        Assert.Equal("docker-credential-pimgtest (credHelpers of /c/config.json)", resolved.Source);
    }

    [Fact]
    public void TheTokenUserNameMeansAnIdentityToken()
    {
        var resolved = CredentialResolver.Resolve("helped.example.com", Config, NoVariables, Helper("""{"Username":"<token>","Secret":"refresh"}"""));

        Assert.Equal(new RegistryCredential("", "", "refresh"), resolved.Credential);
    }

    [Fact]
    public void TheStoreServesRegistriesWithoutAHelperAndFallsBackToTheFile()
    {
        var withStore = Config with { CredsStore = "desktop" };
        var calls = new List<(string, string)>();

        var hub = CredentialResolver.Resolve("docker.io", withStore, NoVariables, Helper(null, calls));
        var local = CredentialResolver.Resolve("localhost:5001", withStore, NoVariables, Helper(null, calls));

        Assert.Null(hub.Credential);
        Assert.Contains("docker-credential-desktop", hub.Source);
        Assert.Equal(new RegistryCredential("file-user", "file-pass"), local.Credential);
        Assert.Equal([("desktop", "https://index.docker.io/v1/"), ("desktop", "localhost:5001")], calls);
    }

    [Fact]
    public void WithoutAnyCredentialTheSourceSaysWhereItLooked()
    {
        var resolved = CredentialResolver.Resolve("registry.example.com", Config, NoVariables, Helper(null));

        Assert.Null(resolved.Credential);
        Assert.Contains("PIPELINEIMAGE_REGISTRY_USERNAME", resolved.Source);
        Assert.Contains("/c/config.json", resolved.Source);
    }

    [Fact]
    public void AHelperAnswerThatIsNotJsonIsPimg1010()
    {
        var error = Assert.Throws<PipelineImageException>(() =>
            CredentialResolver.Resolve("helped.example.com", Config, NoVariables, Helper("password=s3cret")));

        Assert.StartsWith("PIMG1010: The credential helper docker-credential-pimgtest", error.Message);
        Assert.DoesNotContain("s3cret", error.Message);
    }
}

/// <summary>The one mapping of a failed registry request to its PIMG error: by what the request was for, then by how it failed.</summary>
public class RegistryFailureTests
{
    [Theory]
    [InlineData("Unreachable", "RegistryUnreachableFromHere")]
    [InlineData("Tls", "RegistryTlsFailedFromHere")]
    [InlineData("Unauthorized", "RegistryUnauthorized")]
    [InlineData("Failed", "PushFailed")]
    public void WhatIsPushedIsNamedWithTheFailuresOwnCode(string failure, string code)
    {
        using var registries = new RegistryClients(DockerConfig.Empty, _ => _ => null, _ => { }, [], CancellationToken.None);

        var error = registries.Failure(new RegistryException(Enum.Parse<RegistryFailure>(failure), "no") { Registry = "r.example" }, "r.example/app:1");

        Assert.Equal(code, error.ResourceName);
        Assert.Contains("r.example/app:1", error.Message);
    }

    [Theory]
    [InlineData("Unreachable")]
    [InlineData("Tls")]
    [InlineData("Unauthorized")]
    [InlineData("Failed")]
    public void AReadOfTheBaseIsPimg1018WhateverTheFailureNamingTheBaseAndItsRegistry(string failure)
    {
        var error = RegistryClients.BaseFailure(new RegistryException(Enum.Parse<RegistryFailure>(failure), "connection refused") { Registry = "r.example" }, "r.example/base:1");

        Assert.Equal(DiagnosticCodes.BaseImageUnreadable, error.ResourceName);
        Assert.StartsWith("PIMG1018: Cannot read the base image r.example/base:1 from its registry r.example: connection refused.", error.Message);
    }
}
