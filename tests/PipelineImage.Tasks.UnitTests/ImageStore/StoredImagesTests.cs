using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.ImageStore;
using PipelineImage.Intermediate;
using PipelineImage.Naming;
using PipelineImage.Registry;
using PipelineImage.Tests.Tasks;

namespace PipelineImage.Tests.ImageStore;

/// <summary>
/// Where image.json says the image is decides, in one place, what pushes, saves and reads it: the engine (asked only
/// then, and checked to hold it), the assembler's directory, or the registry a standalone buildkitd pushed it to.
/// </summary>
public sealed class StoredImagesTests : IDisposable
{
    private const string ImageId = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

    private readonly string _root = Directory.CreateTempSubdirectory("pimg-stored-").FullName;
    private readonly List<string> _log = [];
    private readonly RegistryClients _registries;
    private int _engines;

    public StoredImagesTests() => _registries = new RegistryClients(DockerConfig.Empty, _ => _ => null, _log.Add, [], CancellationToken.None);

    private string RecordPath => Path.Combine(_root, "image.json");

    [Fact]
    public void TheLocationIsReadFromWhatTheBuildRecorded()
    {
        var engine = new ImageRecord("hello", ["1.0.0"], ImageId);

        Assert.Equal(ImageLocation.Engine, engine.Location);
        Assert.Equal(ImageLocation.Layout, (engine with { Assembled = _root, Manifest = "sha256:m" }).Location);
        Assert.Equal(ImageLocation.Registry, (engine with { PushedBy = "the buildkitd at tcp://b:1/" }).Location);
    }

    [Fact]
    public async Task AnImageInTheEngineIsPushedThereAndTheClientIsClosedWithIt()
    {
        var fake = new FakeContainerEngine();
        fake.Add(ImageId);

        using (var image = await Stores(fake).OpenAsync(new ImageRecord("hello", ["1.0.0"], ImageId), RecordPath, CancellationToken.None))
        {
            var pushed = await image.PushAsync([new ImageReference("hello", "1.0.0")], CancellationToken.None);

            Assert.Equal("hello:1.0.0", Assert.Single(pushed).Reference.ToString());
            Assert.Equal(["hello:1.0.0"], fake.Pushes.Select(reference => reference.ToString()));
            Assert.False(fake.Disposed);
        }

        Assert.True(fake.Disposed);
        Assert.Equal(1, _engines);
    }

    [Theory]
    [InlineData("push")]
    [InlineData("save")]
    [InlineData("describe")]
    public async Task AnImageTheEngineNoLongerHoldsIsTheUsesOwnErrorAndTheClientIsClosed(string verb)
    {
        var fake = new FakeContainerEngine();
        var use = Use(verb);

        var error = await Assert.ThrowsAsync<PipelineImageException>(() =>
            Stores(fake).OpenLocalAsync(new ImageRecord("hello", ["1.0.0"], ImageId), RecordPath, use, CancellationToken.None));

        Assert.Equal(use.Missing, error.ResourceName);
        Assert.Contains($"the image {ImageId} of {RecordPath} is not on the engine", error.Message);
        Assert.True(fake.Disposed);
    }

    [Theory]
    [InlineData("save")]
    [InlineData("describe")]
    public async Task AnAssembledImageWhoseDirectoryIsGoneIsTheUsesOwnErrorAndNoEngineIsAsked(string verb)
    {
        var record = new ImageRecord("hello", ["1.0.0"], ImageId) { Assembled = Path.Combine(_root, "assembled"), Manifest = "sha256:m" };

        var error = await Assert.ThrowsAsync<PipelineImageException>(() =>
            Stores(new FakeContainerEngine()).OpenLocalAsync(record, RecordPath, Use(verb), CancellationToken.None));

        Assert.Equal(Use(verb).Missing, error.ResourceName);
        Assert.Contains("the assembled image sha256:m in ", error.Message);
        Assert.Equal(0, _engines);
    }

    [Theory]
    [InlineData("save", "PipelineImageArchiveOutputPath")]
    [InlineData("describe", "PipelineImageSbom")]
    public async Task AnImageOnlyARegistryHasIsRefusedForAUseThatNeedsItHereNamingTheSetting(string verb, string setting)
    {
        var record = new ImageRecord("hello", ["1.0.0"], ImageId) { PushedBy = "the buildkitd at tcp://b:1/" };

        var error = await Assert.ThrowsAsync<PipelineImageException>(() =>
            Stores(new FakeContainerEngine()).OpenLocalAsync(record, RecordPath, Use(verb), CancellationToken.None));

        Assert.Equal(DiagnosticCodes.NoLocalImage, error.ResourceName);
        Assert.Contains($"{setting} is set, and the buildkitd at tcp://b:1/ built and pushed the image", error.Message);
        Assert.Equal(0, _engines);
    }

    [Fact]
    public async Task AnImageABuilderPushedIsPushedByNobodyAgainAndATagItDidNotPushIsPimg4003()
    {
        var record = new ImageRecord("hello", ["1.0.0"], ImageId)
        {
            PushedBy = "the buildkitd at tcp://b:1/",
            Pushed = new Dictionary<string, string> { ["hello:1.0.0"] = "sha256:d" },
        };
        using var image = await Stores(new FakeContainerEngine()).OpenAsync(record, RecordPath, CancellationToken.None);

        var pushed = await image.PushAsync([new ImageReference("hello", "1.0.0")], CancellationToken.None);
        var error = await Assert.ThrowsAsync<PipelineImageException>(() => image.PushAsync([new ImageReference("hello", "2.0.0")], CancellationToken.None));

        Assert.Equal(("hello:1.0.0", "sha256:d", (long?)null), (pushed[0].Reference.ToString(), pushed[0].Digest, pushed[0].BytesUploaded));
        Assert.Contains("Every tag of hello was pushed by the buildkitd at tcp://b:1/ as it built the image", _log);
        Assert.Equal(DiagnosticCodes.NoImageToPush, error.ResourceName);
        Assert.Contains("hello:2.0.0 of ", error.Message);
        Assert.Equal(0, _engines);
    }

    private static ImageUse Use(string verb) => verb switch
    {
        "push" => ImageUse.Push,
        "save" => ImageUse.Save,
        _ => ImageUse.Describe,
    };

    private StoredImages Stores(FakeContainerEngine engine) => new(() =>
    {
        _engines++;
        return engine;
    }, _registries, [], new BuildLog(_log.Add, _log.Add));

    public void Dispose()
    {
        _registries.Dispose();
        Directory.Delete(_root, recursive: true);
    }
}
