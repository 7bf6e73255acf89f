using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using PipelineImage.IntegrationTests.Infrastructure;

namespace PipelineImage.IntegrationTests;

/// <summary>
/// PipelineImageSigningKey end to end: the publish signs what it pushed as cosign 3 does, and the real cosign verifies
/// it with the public key (and with no other), offline; the key's bytes appear nowhere.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class SigningTests(PackageFeed feed)
{
    private const string Password = "e2e-password";

    [EngineFact]
    public async Task ABaseSignedWithTheVerificationKeyIsBuiltOnAndAnUnsignedOrOtherwiseSignedOneIsPimg2060BeforeAnythingIsBuilt()
    {
        await using var project = new TestProject(feed);
        var keys = Directory.CreateDirectory(Path.Combine(project.Directory, "keys")).FullName;
        Assert.Equal(0, (await Cosign.GenerateKeyPairAsync(keys, Password)).ExitCode);
        var other = await ProcessRunner.RunAsync("bash", ["-c", "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out other.pem && openssl pkey -in other.pem -pubout -out other.pub"], keys);
        Assert.True(other.ExitCode == 0, other.ToString());
        // The two-platform runtime stand-in, copied twice: one copy signed by cosign with the key, one left unsigned.
        var signedBase = $"localhost:5000/{project.ImageName}-base";
        var unsignedBase = $"localhost:5000/{project.ImageName}-unsigned";
        foreach (var copy in new[] { signedBase, unsignedBase })
        {
            var copied = await Cosign.RunAsync(null, "crane", "copy", "--insecure", "localhost:5000/stand-ins/dotnet/runtime:10.0", $"{copy}:10.0");
            Assert.True(copied.ExitCode == 0, copied.ToString());
        }

        var digest = (await Cosign.RunAsync(null, "crane", "digest", "--insecure", $"{signedBase}:10.0")).Output.Trim();
        var signed = await Cosign.SignAsync($"{signedBase}@{digest}", Path.Combine(keys, "cosign.key"), Password);
        Assert.True(signed.ExitCode == 0, signed.ToString());

        async Task<ProcessResult> PublishOn(string baseImage, string key)
        {
            project.WriteProject($"<PipelineImageBase>{baseImage}:10.0</PipelineImageBase><PipelineImageBaseVerificationKey>{key}</PipelineImageBaseVerificationKey>", "");
            return await project.PublishAsync();
        }

        var verified = await PublishOn(signedBase, "keys/cosign.pub");

        Assert.True(verified.ExitCode == 0, verified.ToString());
        Assert.Contains($"The base image {signedBase}:10.0 ({digest}) is signed, and PipelineImageBaseVerificationKey ({Path.Combine(keys, "cosign.pub")}) verifies the signature",
            verified.Output);

        var unsigned = await PublishOn(unsignedBase, "keys/cosign.pub");
        var otherKey = await PublishOn(signedBase, "keys/other.pub");

        Assert.True(unsigned.ExitCode != 0, unsigned.ToString());
        Assert.Contains($"error PIMG2060: The base image '{unsignedBase}:10.0' is not built on: PipelineImageBaseVerificationKey '{Path.Combine(keys, "cosign.pub")}' finds no signature of {digest}",
            unsigned.Output);
        Assert.True(otherKey.ExitCode != 0, otherKey.ToString());
        Assert.Contains($"error PIMG2060: The base image '{signedBase}:10.0' is not built on: PipelineImageBaseVerificationKey '{Path.Combine(keys, "other.pub")}' verifies none of the 1 Sigstore bundle(s) of {digest}",
            otherKey.Output);
        Assert.All(new[] { unsigned, otherKey }, refused => Assert.DoesNotContain("Assembled ", refused.Output));
    }

    [EngineFact]
    public async Task APushedImageIsSignedOnceWithCosignsKeyOrAPkcs8SecretAndCosignVerifiesItWithThatKeyAlone()
    {
        var properties = """
            <PipelineImagePush>true</PipelineImagePush>
            <PipelineImageRegistry>localhost:5000</PipelineImageRegistry>
            <PipelineImageSigningKey>keys/cosign.key</PipelineImageSigningKey>
            <PipelineImageSbom>true</PipelineImageSbom>
            """;
        await using var project = new TestProject(feed, properties: properties);
        var keys = Directory.CreateDirectory(Path.Combine(project.Directory, "keys")).FullName;
        var generated = await Cosign.GenerateKeyPairAsync(keys, Password);
        Assert.True(generated.ExitCode == 0, generated.ToString());
        var other = await ProcessRunner.RunAsync("bash", ["-c", "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out other.pem && openssl pkey -in other.pem -pubout -out other.pub"], keys);
        Assert.True(other.ExitCode == 0, other.ToString());
        var name = $"localhost:5000/{project.ImageName}";
        var withPassword = new Dictionary<string, string?> { ["COSIGN_PASSWORD"] = Password };
        try
        {
            // A wrong password stops the push before anything is pushed.
            var wrong = await project.PublishAsync(new Dictionary<string, string?> { ["COSIGN_PASSWORD"] = "not it" });

            Assert.True(wrong.ExitCode != 0, wrong.ToString());
            Assert.Contains($"error PIMG2059: PipelineImageSigningKey '{Path.Combine(keys, "cosign.key")}' could not be decrypted with COSIGN_PASSWORD", wrong.Output);
            Assert.DoesNotContain("Pushed ", wrong.Output);

            var first = await project.PublishAsync(withPassword, "-v:diag", "-bl:" + Path.Combine(project.Directory, "publish.binlog"));

            Assert.True(first.ExitCode == 0, first.ToString());
            var digest = Regex.Match(first.Output, $@"Signed {Regex.Escape(name)}@(sha256:[0-9a-f]{{64}}): the OCI referrer sha256:[0-9a-f]{{64}} \(signature\)").Groups[1].Value;
            Assert.True(digest.Length > 0, first.Output);
            var verified = await Cosign.VerifyAsync($"{name}@{digest}", Path.Combine(keys, "cosign.pub"));
            Assert.True(verified.ExitCode == 0, verified.ToString());
            Assert.Contains("\"type\":\"https://sigstore.dev/cosign/sign/v1\"", verified.Output);
            var otherKey = await Cosign.VerifyAsync($"{name}@{digest}", Path.Combine(keys, "other.pub"));
            Assert.True(otherKey.ExitCode != 0, otherKey.ToString());

            // The bill of materials and the SLSA provenance, attested with the same key.
            var bill = await Cosign.VerifyAttestationAsync($"{name}@{digest}", Path.Combine(keys, "cosign.pub"), "cyclonedx");
            Assert.True(bill.ExitCode == 0, bill.ToString());
            var provenance = await Cosign.VerifyAttestationAsync($"{name}@{digest}", Path.Combine(keys, "cosign.pub"), "slsaprovenance1");
            Assert.True(provenance.ExitCode == 0, provenance.ToString());
            var statement = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(
                JsonDocument.Parse(provenance.Output.Split('\n').First(line => line.StartsWith('{'))).RootElement.GetProperty("payload").GetString()!)));
            var predicate = statement.RootElement.GetProperty("predicate");
            Assert.StartsWith("https://www.nuget.org/packages/PipelineImage.Tasks/", predicate.GetProperty("runDetails").GetProperty("builder").GetProperty("id").GetString());
            Assert.Matches(@"docker://\S+/dotnet/runtime@sha256:[0-9a-f]{64}", predicate.GetProperty("buildDefinition").GetProperty("resolvedDependencies").ToString());
            Assert.True((await Cosign.VerifyAttestationAsync($"{name}@{digest}", Path.Combine(keys, "other.pub"), "slsaprovenance1")).ExitCode != 0);

            // The key's bytes are in no output, binlog, plan.json or image.json (nor in a layer: the image has only the app).
            var secretLines = (await File.ReadAllLinesAsync(Path.Combine(keys, "cosign.key"))).Where(line => !line.StartsWith("-----", StringComparison.Ordinal)).ToList();
            var binlog = new MemoryStream();
            await using (var gzip = new GZipStream(File.OpenRead(Path.Combine(project.Directory, "publish.binlog")), CompressionMode.Decompress))
            {
                await gzip.CopyToAsync(binlog);
            }

            var places = new Dictionary<string, string>
            {
                ["output"] = first.Output,
                ["binlog"] = Encoding.UTF8.GetString(binlog.ToArray()),
                ["plan.json"] = await File.ReadAllTextAsync(Path.Combine(project.OutputDirectory, "plan.json")),
                ["image.json"] = await File.ReadAllTextAsync(Path.Combine(project.OutputDirectory, "image.json")),
            };
            // The image's file system, its configuration and history.
            var export = Path.Combine(project.Directory, "filesystem.tar");
            var container = (await Cli.Docker.RunAsync("create", $"{name}:1.0.0")).Output.Trim();
            Assert.Equal(0, (await Cli.Docker.RunAsync("export", "--output", export, container)).ExitCode);
            await Cli.Docker.RunAsync("rm", container);
            places["file system"] = Encoding.Latin1.GetString(await File.ReadAllBytesAsync(export));
            places["history"] = (await Cli.Docker.RunAsync("history", "--no-trunc", $"{name}:1.0.0")).Output;
            places["configuration"] = (await Cli.Docker.RunAsync("image", "inspect", $"{name}:1.0.0")).Output;
            Assert.Contains("System.Private.CoreLib.dll", places["file system"], StringComparison.Ordinal);
            Assert.All(places, place => Assert.All(secretLines, line => Assert.DoesNotContain(line, place.Value, StringComparison.Ordinal)));
            Assert.DoesNotContain(Password, places["binlog"], StringComparison.Ordinal);
            Assert.Contains("cosign.key", places["binlog"], StringComparison.Ordinal);

            // Unchanged: the signature there is this key's, and none is made again.
            var unchanged = await project.PublishAsync(withPassword);

            Assert.True(unchanged.ExitCode == 0, unchanged.ToString());
            Assert.Equal(3, Regex.Matches(unchanged.Output, $@"{Regex.Escape(name)}@{digest} has this key's .* already").Count);
            Assert.DoesNotContain("Signed ", unchanged.Output);

            // A PKCS#8 key from openssl, given as a PipelineImageSecret's variable, signs the next image.
            project.WriteProject(properties.Replace("keys/cosign.key", "signing-key", StringComparison.Ordinal),
                """<PipelineImageSecret Include="signing-key" Environment="SIGNING_KEY" />""");
            project.WriteProgram("""Console.WriteLine("signed by a secret");""");
            var secret = await project.PublishAsync(new Dictionary<string, string?> { ["SIGNING_KEY"] = await File.ReadAllTextAsync(Path.Combine(keys, "other.pem")) });

            Assert.True(secret.ExitCode == 0, secret.ToString());
            var secretDigest = Regex.Match(secret.Output, $@"Signed {Regex.Escape(name)}@(sha256:[0-9a-f]{{64}})").Groups[1].Value;
            Assert.True((await Cosign.VerifyAsync($"{name}@{secretDigest}", Path.Combine(keys, "other.pub"))).ExitCode == 0);
            Assert.True((await Cosign.VerifyAsync($"{name}@{secretDigest}", Path.Combine(keys, "cosign.pub"))).ExitCode != 0);

            // Pushed without a key: nothing signed, and cosign finds no signature.
            project.WriteProject(properties.Replace("<PipelineImageSigningKey>keys/cosign.key</PipelineImageSigningKey>", "", StringComparison.Ordinal), "");
            project.WriteProgram("""Console.WriteLine("unsigned");""");
            var unsigned = await project.PublishAsync();

            Assert.True(unsigned.ExitCode == 0, unsigned.ToString());
            Assert.DoesNotContain("Signed ", unsigned.Output);
            var unsignedDigest = Regex.Match(unsigned.Output, $@"Pushed {Regex.Escape(name)}:1\.0\.0 \((sha256:[0-9a-f]{{64}})\)").Groups[1].Value;
            var none = await Cosign.VerifyAsync($"{name}@{unsignedDigest}", Path.Combine(keys, "cosign.pub"));
            Assert.True(none.ExitCode != 0 && none.Output.Contains("no signatures found", StringComparison.Ordinal), none.ToString());
        }
        finally
        {
            await Cli.Docker.RemoveRepositoryAsync(name);
        }
    }
}
