using System.Text.Json;
using System.Text.Json.Serialization;
using PipelineImage.Naming;

namespace PipelineImage.Intermediate;

/// <summary>{"name": ..., "tag": ...} in plan.json and image.json: a reference is never joined into a string to be split again.</summary>
internal sealed class ImageReferenceConverter : JsonConverter<ImageReference>
{
    public override ImageReference Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var element = JsonElement.ParseValue(ref reader);
        return new ImageReference(
            element.GetProperty("name").GetString() ?? throw new JsonException("a reference without a name"),
            element.GetProperty("tag").GetString() ?? throw new JsonException("a reference without a tag"));
    }

    public override void Write(Utf8JsonWriter writer, ImageReference value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("name", value.Name);
        writer.WriteString("tag", value.Tag);
        writer.WriteEndObject();
    }
}
