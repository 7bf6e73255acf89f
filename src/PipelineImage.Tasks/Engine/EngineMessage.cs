using System.Text.Json;
using System.Text.Json.Serialization;

namespace PipelineImage.Engine;

/// <summary>
/// One line of the JSON stream with which <c>POST /build</c> (the classic builder, Podman's) and
/// <c>POST /images/{name}/push</c> answer: moby's <c>jsonmessage.JSONMessage</c>, the fields we read.
/// </summary>
/// <param name="Stream">Build output, in pieces that need not end at a line's end.</param>
/// <param name="Status">A state, of a layer when <paramref name="Id"/> names one.</param>
/// <param name="Id">The layer or image the status is about.</param>
/// <param name="Error">The error's text (the field moby keeps for old clients).</param>
/// <param name="ErrorDetail">The error.</param>
/// <param name="ProgressDetail">Bytes done and in all, of a layer.</param>
/// <param name="Aux">What the engine adds: the built image's <c>ID</c>, the pushed manifest's <c>Digest</c>.</param>
internal sealed record EngineMessage(
    [property: JsonPropertyName("stream")] string? Stream = null,
    [property: JsonPropertyName("status")] string? Status = null,
    [property: JsonPropertyName("id")] string? Id = null,
    [property: JsonPropertyName("error")] string? Error = null,
    [property: JsonPropertyName("errorDetail")] EngineMessage.Detail? ErrorDetail = null,
    [property: JsonPropertyName("progressDetail")] EngineMessage.Progress? ProgressDetail = null,
    [property: JsonPropertyName("aux")] JsonElement? Aux = null)
{
    /// <exception cref="JsonException">The line is not such a message.</exception>
    public static EngineMessage Parse(string line) => JsonSerializer.Deserialize(line, EngineJson.Default.EngineMessage) ?? new EngineMessage();

    /// <summary>The error's message, whichever field has it; null: no error.</summary>
    public string? ErrorMessage => ErrorDetail?.Message is { Length: > 0 } message ? message : Error is { Length: > 0 } ? Error : null;

    /// <summary>A string of <see cref="Aux"/> by name; null when it has none.</summary>
    public string? AuxString(string name) =>
        Aux is { ValueKind: JsonValueKind.Object } aux && aux.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public sealed record Detail([property: JsonPropertyName("message")] string? Message);

    public sealed record Progress([property: JsonPropertyName("current")] long? Current, [property: JsonPropertyName("total")] long? Total);
}
