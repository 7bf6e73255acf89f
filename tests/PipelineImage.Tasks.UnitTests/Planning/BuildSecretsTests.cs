using PipelineImage.Diagnostics;
using PipelineImage.Planning;

namespace PipelineImage.Tests.Planning;

public sealed class BuildSecretsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pimg-secrets-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static string? Variables(string name) => name switch
    {
        "PIP_INDEX_TOKEN" => "s3cr\u00e9t",
        "EMPTY" => "",
        _ => null,
    };

    [Fact]
    public void EachItemIsASecretInItemOrderWhereItsValueIsNeverItsValue()
    {
        var netrc = Path.Combine(_root, "netrc");
        File.WriteAllBytes(netrc, [0, 1, 2, 255]);

        var planned = BuildSecrets.Plan([new(" pip-index ", Environment: "PIP_INDEX_TOKEN"), new("netrc", File: netrc), new("empty", Environment: "EMPTY")], Variables);

        Assert.Equal(
            [new("pip-index", SecretSource.Environment, "PIP_INDEX_TOKEN"), new("netrc", SecretSource.File, netrc), new("empty", SecretSource.Environment, "EMPTY")],
            planned);
        Assert.Equal("environment variable PIP_INDEX_TOKEN", planned[0].Describe());
        Assert.Equal($"file {netrc}", planned[1].Describe());
        Assert.Equal("s3cr\u00e9t"u8.ToArray(), BuildSecrets.Read(planned[0], Variables));
        Assert.Equal([0, 1, 2, 255], BuildSecrets.Read(planned[1], Variables));
        Assert.Empty(BuildSecrets.Read(planned[2], Variables));
    }

    [Theory]
    [InlineData("-starts-with-dash", "PIP_INDEX_TOKEN", "", "the id may hold only")]
    [InlineData("has,comma", "PIP_INDEX_TOKEN", "", "the id may hold only")]
    [InlineData("id=x", "PIP_INDEX_TOKEN", "", "the id may hold only")]
    [InlineData("", "PIP_INDEX_TOKEN", "", "the id may hold only")]
    [InlineData("both", "PIP_INDEX_TOKEN", "/etc/hostname", "both Environment and File")]
    [InlineData("neither", " ", "", "neither Environment")]
    public void AnInvalidItemIsPimg2031NamingIt(string id, string variable, string file, string reason)
    {
        var problem = Assert.Throws<PipelineImageException>(() => BuildSecrets.Plan([new(id, variable, file)], Variables));

        Assert.Equal("InvalidSecret", problem.ResourceName);
        Assert.Equal(id, problem.Arguments[0]);
        Assert.Contains(reason, (string)problem.Arguments[1], StringComparison.Ordinal);
    }

    [Fact]
    public void EveryProblemIsReportedTogetherAndADuplicateIdIsOne()
    {
        var e = Assert.Throws<PipelineImageProblemsException>(() => BuildSecrets.Plan(
            [new("a", Environment: "PIP_INDEX_TOKEN"), new("a", Environment: "PIP_INDEX_TOKEN"), new("unset", Environment: "NOT_SET"), new("gone", File: Path.Combine(_root, "gone"))],
            Variables));

        Assert.Equal(["InvalidSecret", "SecretMissing", "SecretMissing"], e.Problems.Select(problem => problem.ResourceName));
        Assert.Contains("same id", (string)e.Problems[0].Arguments[1], StringComparison.Ordinal);
        Assert.Equal(["unset", "environment variable NOT_SET", "is not set"], e.Problems[1].Arguments);
        Assert.Equal(["gone", $"file {Path.Combine(_root, "gone")}", "does not exist"], e.Problems[2].Arguments);
    }

    [Fact]
    public void AFileThatCannotBeReadIsPimg2032WithTheReason()
    {
        var directory = Directory.CreateDirectory(Path.Combine(_root, "a-directory")).FullName;

        var e = Assert.Throws<PipelineImageException>(() => BuildSecrets.Read(new("dir", SecretSource.File, directory), Variables));

        Assert.Equal("SecretMissing", e.ResourceName);
        Assert.StartsWith("cannot be read (", (string)e.Arguments[2], StringComparison.Ordinal);
    }
}
