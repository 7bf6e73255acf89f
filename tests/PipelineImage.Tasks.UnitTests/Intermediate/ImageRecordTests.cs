using PipelineImage.Intermediate;

namespace PipelineImage.Tests.Intermediate;

public class ImageRecordTests
{
    [Fact]
    public void SerializesTheDocumentedShape()
    {
        var json = new ImageRecord("team/app", ["1.0.0", "latest"], "sha256:abc").ToJson();

        Assert.Equal(
            "{\n  \"name\": \"team/app\",\n  \"tags\": [\n    \"1.0.0\",\n    \"latest\"\n  ],\n  \"imageId\": \"sha256:abc\"\n}\n",
            json);
    }

    [Fact]
    public void EveryReferenceOfEveryRegistryIsRecordedAndReadBack()
    {
        var record = new ImageRecord("localhost:5000/app", ["1.0.0"], "sha256:abc")
        {
            References = [new("localhost:5000/app", "1.0.0"), new("localhost:5001/app", "1.0.0")],
        };

        var json = record.ToJson();
        var read = ImageRecord.Parse(json, "image.json");

        Assert.Contains("\"references\": [\n    {\n      \"name\": \"localhost:5000/app\",\n      \"tag\": \"1.0.0\"\n    },", json);
        Assert.Equal(record.References, read.AllReferences());
    }

    [Fact]
    public void ARecordWithoutReferencesPushesTheNameWithEachTag() =>
        Assert.Equal([new PipelineImage.Naming.ImageReference("team/app", "1.0.0"), new PipelineImage.Naming.ImageReference("team/app", "latest")],
            ImageRecord.Parse("""{"name": "team/app", "tags": ["1.0.0", "latest"], "imageId": "sha256:abc"}""", "image.json").AllReferences());
}
