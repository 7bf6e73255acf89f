using System.IO.Compression;
using System.Text;
using System.Text.Json;
using PipelineImage.IntegrationTests.Infrastructure;

namespace PipelineImage.IntegrationTests;

/// <summary>
/// Push end to end, to the two loopback registries of build/registries.sh: the open one on :5000 and the htpasswd
/// one on :5001. Images are pulled back and run; credentials come from each place a user keeps them, and never
/// appear in the output or the binlog.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class PushTests(PackageFeed feed) : IDisposable
{
    private const string AuthRegistry = "localhost:5001";
    private const string User = "pipeline-ci";
    private const string Password = "pimg-loopback-test-password";
    private const string WrongPassword = "pimg-wrong-s3cret-password";

    private readonly string _home = Directory.CreateTempSubdirectory("pimg-docker-config-").FullName;

    public void Dispose() => Directory.Delete(_home, recursive: true);

    [EngineFact]
    public async Task PushesEveryTagAndThePulledImageRunsAndACodeChangeUploadsOneLayer()
    {
        await using var project = new TestProject(feed,
            properties: """
                <PipelineImageRegistry>localhost:5000</PipelineImageRegistry>
                <PipelineImagePush>true</PipelineImagePush>
                """,
            program: """Console.WriteLine("pulled and ran v1");""");
        var name = $"localhost:5000/{project.ImageName}";

        var first = await project.PublishAsync("-v:n");

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains($"Pushed {name}:1.0.0 (sha256:", first.Output);
        Assert.Contains($"Pushed {name}:latest (sha256:", first.Output);
        Assert.Contains("Credentials for localhost:5000: none found", first.Output);
        using (var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(project.OutputDirectory, "image.json"))))
        {
            var pushed = manifest.RootElement.GetProperty("pushed");
            Assert.StartsWith("sha256:", pushed.GetProperty($"{name}:1.0.0").GetString());
            Assert.Equal(pushed.GetProperty($"{name}:1.0.0").GetString(), pushed.GetProperty($"{name}:latest").GetString());
        }

        await Docker.RunAsync("image", "rm", "--force", (await Docker.InspectImageAsync($"{name}:1.0.0"))!.Value.GetProperty("Id").GetString()!);
        Assert.Null(await Docker.InspectImageAsync($"{name}:1.0.0"));
        var pull = await Docker.RunAsync("pull", $"{name}:1.0.0");
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Equal("pulled and ran v1", (await Docker.RunImageAsync($"{name}:1.0.0")).Output.Trim());

        project.WriteProgram("""Console.WriteLine("pulled and ran v2");""");
        var second = await project.PublishAsync();

        Assert.True(second.ExitCode == 0, second.ToString());
        // The app's layer; and WORKDIR's, when removing the image above took the classic builder's cache of that step
        // with it (unless another image still stands on it): the step makes its directory again, with a new time. The
        // containerd store reports sizes compressed, and none for a layer uploaded between two of its progress reports.
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(second.Output, $@"Pushed {name.Replace(".", @"\.")}:1\.0\.0 \(sha256:[0-9a-f]+\): [12] layer\(s\) uploaded \(([0-9.]+ (KiB|B|MiB) (before compression|compressed)|the engine did not report their size)\), [1-9][0-9]* layer\(s\) already in the registry"), second.Output);
    }

    [EngineFact]
    public async Task TheAuthRegistryTakesConfigAuthsAndRefusesAWrongPasswordWithoutShowingIt()
    {
        await using var project = new TestProject(feed, properties: $"<PipelineImageRegistry>{AuthRegistry}</PipelineImageRegistry>");
        var publish = await project.PublishAsync();
        Assert.True(publish.ExitCode == 0, publish.ToString());

        WriteConfig($$"""{ "auths": { "http://{{AuthRegistry}}": { "auth": "{{Base64($"{User}:{WrongPassword}")}}" } } }""");
        var binlog = Path.Combine(project.Directory, "push.binlog");
        var refused = await project.PushTargetAsync(ConfigEnvironment(), $"-bl:{binlog}");

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains($"error PIMG1007: The registry {AuthRegistry} refused {AuthRegistry}/{project.ImageName}:1.0.0", refused.Output);
        Assert.Contains($"auths of {Path.Combine(_home, "config.json")}", refused.Output);
        Assert.DoesNotContain(WrongPassword, refused.Output);
        Assert.DoesNotContain(WrongPassword, BinlogText(binlog));
        using (var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(project.OutputDirectory, "image.json"))))
        {
            Assert.False(manifest.RootElement.TryGetProperty("pushed", out _));
        }

        WriteConfig($$"""{ "auths": { "{{AuthRegistry}}": { "auth": "{{Base64($"{User}:{Password}")}}" } } }""");
        var retried = await project.PushTargetAsync(ConfigEnvironment(), $"-bl:{binlog}");

        Assert.True(retried.ExitCode == 0, retried.ToString());
        Assert.Contains($"Pushed {AuthRegistry}/{project.ImageName}:latest (sha256:", retried.Output);
        Assert.DoesNotContain(Password, BinlogText(binlog));
        await AssertPullsBackAsync($"{AuthRegistry}/{project.ImageName}:1.0.0", $"{User}:{Password}");
    }

    [EngineFact]
    public async Task CredentialsComeFromARealCredentialHelperAndFromTheCiVariables()
    {
        await using var project = new TestProject(feed, properties: $"""
            <PipelineImageRegistry>{AuthRegistry}</PipelineImageRegistry>
            <PipelineImagePush>true</PipelineImagePush>
            <PipelineImageTags>helper</PipelineImageTags>
            """);
        var bin = Directory.CreateDirectory(Path.Combine(_home, "bin")).FullName;
        var helper = Path.Combine(bin, "docker-credential-pimgtest");
        await File.WriteAllTextAsync(helper, $$"""
            #!/bin/sh
            [ "$1" = get ] || exit 1
            read server
            [ "$server" = "{{AuthRegistry}}" ] || { echo "credentials not found in native keychain"; exit 1; }
            printf '{"ServerURL":"%s","Username":"{{User}}","Secret":"{{Password}}"}' "$server"
            """);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(helper, (UnixFileMode)0b111_101_101);
        }
        WriteConfig($$"""{ "credHelpers": { "{{AuthRegistry}}": "pimgtest" } }""");
        var environment = ConfigEnvironment();
        environment["PATH"] = $"{bin}:{Environment.GetEnvironmentVariable("PATH")}";

        var withHelper = await project.PublishAsync(environment, "-v:n");

        Assert.True(withHelper.ExitCode == 0, withHelper.ToString());
        Assert.Contains($"Credentials for {AuthRegistry}: from docker-credential-pimgtest (credHelpers of {Path.Combine(_home, "config.json")})", withHelper.Output);
        Assert.Contains($"Pushed {AuthRegistry}/{project.ImageName}:helper (sha256:", withHelper.Output);

        WriteConfig("{}");
        var binlog = Path.Combine(project.Directory, "env.binlog");
        var withVariables = await project.PublishAsync(
            new Dictionary<string, string?>
            {
                ["DOCKER_CONFIG"] = _home,
                ["PIPELINEIMAGE_REGISTRY_USERNAME"] = User,
                ["PIPELINEIMAGE_REGISTRY_PASSWORD"] = Password,
            },
            "-p:PipelineImageTags=variables", "-v:n", $"-bl:{binlog}");

        Assert.True(withVariables.ExitCode == 0, withVariables.ToString());
        Assert.Contains("from the PIPELINEIMAGE_REGISTRY_USERNAME and PIPELINEIMAGE_REGISTRY_PASSWORD environment variables", withVariables.Output);
        Assert.DoesNotContain(Password, withVariables.Output);
        Assert.DoesNotContain(Password, BinlogText(binlog));
        await AssertPullsBackAsync($"{AuthRegistry}/{project.ImageName}:variables", $"{User}:{Password}");
    }

    [EngineFact]
    public async Task APrivateBaseImageIsPulledWithConfigJsonCredentialsThroughTheSessionWithoutDockerLogin()
    {
        // The base: an image of ours in the auth registry, removed here, so that the build must pull it.
        var auths = $$"""{ "auths": { "{{AuthRegistry}}": { "auth": "{{Base64($"{User}:{Password}")}}" } } }""";
        WriteConfig(auths);
        await using var baseProject = new TestProject(feed, properties: $"""
            <PipelineImageRegistry>{AuthRegistry}</PipelineImageRegistry>
            <PipelineImagePush>true</PipelineImagePush>
            <PipelineImageTags>base</PipelineImageTags>
            """);
        var pushed = await baseProject.PublishAsync(ConfigEnvironment());
        Assert.True(pushed.ExitCode == 0, pushed.ToString());
        var baseImage = $"{AuthRegistry}/{baseProject.ImageName}:base";
        await Docker.RunAsync("image", "rm", "--force", (await Docker.InspectImageAsync(baseImage))!.Value.GetProperty("Id").GetString()!);
        Assert.Null(await Docker.InspectImageAsync(baseImage));

        // A parent Dockerfile on it: the engine's BuildKit pulls it through our session, with our credentials.
        await using var project = new TestProject(feed, properties: $"""
            <PipelineImageBuilder>buildkit</PipelineImageBuilder>
            {TestSources.BaseOnlyParent}
            """, program: """Console.WriteLine("built on the private base");""");
        Directory.CreateDirectory(Path.Combine(project.Directory, "docker"));
        await File.WriteAllTextAsync(Path.Combine(project.Directory, "docker", "Parent.Dockerfile"), $"FROM {baseImage}\nLABEL org.pipelineimage.test.parent=private\n");
        WriteConfig("{}");
        var anonymous = await project.PublishAsync(ConfigEnvironment(), "-v:n");

        Assert.NotEqual(0, anonymous.ExitCode);
        Assert.Contains($"The builder asked for credentials for {AuthRegistry}: none found", anonymous.Output);
        Assert.Contains("error PIMG1003", anonymous.Output);
        Assert.Contains(baseImage, anonymous.Output);

        WriteConfig(auths);
        var binlog = Path.Combine(project.Directory, "publish.binlog");
        var publish = await project.PublishAsync(ConfigEnvironment(), "-v:n", $"-bl:{binlog}");

        Assert.True(publish.ExitCode == 0, publish.ToString());
        Assert.Contains($"The builder asked for credentials for {AuthRegistry}: from auths of {Path.Combine(_home, "config.json")}", publish.Output);
        Assert.DoesNotContain(Password, publish.Output);
        Assert.DoesNotContain(Password, BinlogText(binlog));
        Assert.Equal("built on the private base", (await Docker.RunImageAsync($"{project.ImageName}:latest")).Output.Trim());
    }

    [EngineFact]
    public async Task APublishPushesEveryTagToEveryRegistryOfTheListAndRecordsEachDigest()
    {
        await using var project = new TestProject(feed,
            properties: $"<PipelineImageRegistry>localhost:5000;{AuthRegistry}</PipelineImageRegistry><PipelineImagePush>true</PipelineImagePush>",
            program: """Console.WriteLine("in two registries");""");
        WriteConfig($$"""{ "auths": { "{{AuthRegistry}}": { "auth": "{{Base64($"{User}:{Password}")}}" } } }""");

        var publish = await project.PublishAsync(ConfigEnvironment(), "-v:n");

        Assert.True(publish.ExitCode == 0, publish.ToString());
        string[] references = [$"localhost:5000/{project.ImageName}:1.0.0", $"localhost:5000/{project.ImageName}:latest",
            $"{AuthRegistry}/{project.ImageName}:1.0.0", $"{AuthRegistry}/{project.ImageName}:latest"];
        Assert.Contains($"App -> {string.Join(", ", references)} (sha256:", publish.Output);
        Assert.Contains("Credentials for localhost:5000: none found", publish.Output);
        Assert.Contains($"Credentials for {AuthRegistry}: from auths of {Path.Combine(_home, "config.json")}", publish.Output);
        using var record = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(project.OutputDirectory, "image.json")));
        var pushed = record.RootElement.GetProperty("pushed");
        Assert.Equal(references.Order(StringComparer.Ordinal), pushed.EnumerateObject().Select(entry => entry.Name));
        Assert.All(references, reference => Assert.StartsWith("sha256:", pushed.GetProperty(reference).GetString()));
        Assert.Equal(pushed.GetProperty(references[0]).GetString(), pushed.GetProperty(references[2]).GetString());
        await AssertPullsBackAsync($"{AuthRegistry}/{project.ImageName}:1.0.0", $"{User}:{Password}");
        await Docker.RunAsync("image", "rm", "--force", $"localhost:5000/{project.ImageName}:1.0.0");
        var pull = await Docker.RunAsync("pull", $"localhost:5000/{project.ImageName}:1.0.0");
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Equal("in two registries", (await Docker.RunImageAsync($"localhost:5000/{project.ImageName}:1.0.0")).Output.Trim());
    }

    [EngineFact]
    public async Task APushSurvivesA503dManifestAndAResetUploadAndTheTagComesOnlyWithTheWholeImage()
    {
        var manifest = new Fault("PUT", "^/v2/.+/manifests/", 2, FaultKind.ServiceUnavailable);
        var upload = new Fault("POST", "^/v2/.+/blobs/uploads/", 1, FaultKind.Reset);
        await using var proxy = new FaultyRegistryProxy(5000, manifest, upload);
        await using var project = new TestProject(feed,
            properties: $"<PipelineImageRegistry>{proxy.Registry}</PipelineImageRegistry><PipelineImagePush>true</PipelineImagePush><PipelineImageTags>1.0.0</PipelineImageTags>",
            program: """Console.WriteLine("pushed through the faults");""");

        var publish = await project.PublishAsync("-v:n");

        Assert.True(publish.ExitCode == 0, $"{publish}\n{string.Join("\n", proxy.Requests)}");
        Assert.Equal((2, 1), (proxy.Failed(manifest), proxy.Failed(upload)));
        Assert.Contains($"The push of {proxy.Registry}/{project.ImageName}:1.0.0 failed (", publish.Output);
        Assert.Contains("trying again in 2 s (attempt 3 of 4)", publish.Output);
        Assert.Contains($"Pushed {proxy.Registry}/{project.ImageName}:1.0.0 (sha256:", publish.Output);
        // Every manifest PUT before the last was refused: until then no tag pointed at the image.
        Assert.Equal(["503", "503", "passed"], proxy.Requests.Where(r => r.StartsWith("PUT /v2/", StringComparison.Ordinal) && r.Contains("/manifests/"))
            .Select(r => r[(r.LastIndexOf("-> ", StringComparison.Ordinal) + 3)..]));

        // The registry behind the proxy holds it whole: pulled from there directly, it runs.
        var pull = await Docker.RunAsync("pull", $"localhost:5000/{project.ImageName}:1.0.0");
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Equal("pushed through the faults", (await Docker.RunImageAsync($"localhost:5000/{project.ImageName}:1.0.0")).Output.Trim());
        await Docker.RunAsync("image", "rm", $"localhost:5000/{project.ImageName}:1.0.0");
    }

    private Dictionary<string, string?> ConfigEnvironment() => new() { ["DOCKER_CONFIG"] = _home };

    private void WriteConfig(string json) => File.WriteAllText(Path.Combine(_home, "config.json"), json);

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    // A binlog is a gzip stream of records whose strings are UTF-8.
    internal static string BinlogText(string path)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        gzip.CopyTo(buffer);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    // The registry really holds the image: with the local copy gone, the docker CLI, logged in on its own, pulls it
    // back, and it runs.
    private async Task AssertPullsBackAsync(string reference, string userPassword)
    {
        var cliConfig = Directory.CreateTempSubdirectory("pimg-cli-config-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(cliConfig, "config.json"),
                $$"""{ "auths": { "{{AuthRegistry}}": { "auth": "{{Base64(userPassword)}}" } } }""");
            var id = (await Docker.InspectImageAsync(reference))!.Value.GetProperty("Id").GetString()!;
            await Docker.RunAsync("image", "rm", "--force", id);
            Assert.Null(await Docker.InspectImageAsync(reference));

            var pull = await Docker.RunAsync("--config", cliConfig, "pull", reference);

            Assert.True(pull.ExitCode == 0, pull.ToString());
            var run = await Docker.RunImageAsync(reference);
            Assert.True(run.ExitCode == 0, run.ToString());
        }
        finally
        {
            Directory.Delete(cliConfig, recursive: true);
        }
    }
}
