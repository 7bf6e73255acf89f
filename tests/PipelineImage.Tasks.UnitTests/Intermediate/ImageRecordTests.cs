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
}
