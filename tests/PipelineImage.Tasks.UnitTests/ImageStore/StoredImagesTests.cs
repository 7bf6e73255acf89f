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
/// then, and checked to hold it), or the assembler's directory.
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
    }

    [Fact]
    public async Task AnImageInTheEngineIsPushedThereAndTheClientIsClosedWithIt()
    {
        var fake = new FakeContainerEngine();
        fake.Add(ImageId);

        using (var image = await Stores(fake).OpenAsync(new ImageRecord("hello", ["1.0.0"], ImageId), RecordPath, DiagnosticCodes.NoImageToPush, CancellationToken.None))
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
        var missing = Missing(verb);

        var error = await Assert.ThrowsAsync<PipelineImageException>(() =>
            Stores(fake).OpenAsync(new ImageRecord("hello", ["1.0.0"], ImageId), RecordPath, missing, CancellationToken.None));

        Assert.Equal(missing, error.ResourceName);
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
            Stores(new FakeContainerEngine()).OpenAsync(record, RecordPath, Missing(verb), CancellationToken.None));

        Assert.Equal(Missing(verb), error.ResourceName);
        Assert.Contains("the assembled image sha256:m in ", error.Message);
        Assert.Equal(0, _engines);
    }

    private static string Missing(string verb) => verb switch
    {
        "push" => DiagnosticCodes.NoImageToPush,
        "save" => DiagnosticCodes.NoImageToSave,
        _ => DiagnosticCodes.NoImageToDescribe,
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
