using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PipelineImage.Signing;

/// <summary>
/// A signature as cosign 3 makes one of an image with a key: a Sigstore bundle (v0.3) whose DSSE envelope holds an
/// in-toto Statement v1 about the manifest's digest, predicate type <see cref="SignPredicateType"/>, signed with ECDSA
/// P-256 over DSSE's pre-authentication encoding; the key named by its hint, no transparency log entry (verified with
/// <c>cosign verify --key cosign.pub --insecure-ignore-tlog=true</c>).
/// </summary>
internal static class SigstoreBundle
{
    public const string MediaType = "application/vnd.dev.sigstore.bundle.v0.3+json";

    /// <summary>What a cosign 3 signature of an image states about it.</summary>
    public const string SignPredicateType = "https://sigstore.dev/cosign/sign/v1";

    public const string InTotoPayloadType = "application/vnd.in-toto+json";

    /// <summary>The referrer manifest's annotations that tell a signature from an attestation without reading it.</summary>
    public const string ContentAnnotation = "dev.sigstore.bundle.content";

    public const string PredicateTypeAnnotation = "dev.sigstore.bundle.predicateType";

    /// <summary>The in-toto Statement v1 of a subject: its name (the repository) and digest, the predicate.</summary>
    public static byte[] Statement(string name, string digest, string predicateType, JsonNode predicate) => Encoding.UTF8.GetBytes(new JsonObject
    {
        ["_type"] = "https://in-toto.io/Statement/v1",
        ["subject"] = new JsonArray(new JsonObject
        {
            ["name"] = name,
            ["digest"] = new JsonObject { [digest[..digest.IndexOf(':')]] = digest[(digest.IndexOf(':') + 1)..] },
        }),
        ["predicateType"] = predicateType,
        ["predicate"] = predicate,
    }.ToJsonString());

    /// <summary>DSSE's pre-authentication encoding: what is signed.</summary>
    public static byte[] PreAuthenticationEncoding(string payloadType, byte[] payload)
    {
        var type = Encoding.UTF8.GetBytes(payloadType);
        return [.. Encoding.UTF8.GetBytes($"DSSEv1 {type.Length} "), .. type, .. Encoding.UTF8.GetBytes($" {payload.Length} "), .. payload];
    }

    /// <summary>The bundle of a statement, signed with the key.</summary>
    public static byte[] Sign(byte[] statement, SigningKey key) => Encoding.UTF8.GetBytes(new JsonObject
    {
        ["mediaType"] = MediaType,
        ["verificationMaterial"] = new JsonObject { ["publicKey"] = new JsonObject { ["hint"] = key.Hint } },
        ["dsseEnvelope"] = new JsonObject
        {
            ["payload"] = Convert.ToBase64String(statement),
            ["payloadType"] = InTotoPayloadType,
            ["signatures"] = new JsonArray(new JsonObject
            {
                ["sig"] = Convert.ToBase64String(key.Sign(PreAuthenticationEncoding(InTotoPayloadType, statement))),
            }),
        },
    }.ToJsonString());

    /// <summary>
    /// Whether a bundle holds a statement of <paramref name="predicateType"/> about <paramref name="digest"/> that the
    /// key signed (<paramref name="verifies"/>: data, DER signature): a signature made before, by any runner or by cosign.
    /// </summary>
    public static bool IsSignedBy(byte[] bundle, string digest, string predicateType, Func<byte[], byte[], bool> verifies)
    {
        try
        {
            using var document = JsonDocument.Parse(bundle);
            var envelope = document.RootElement.GetProperty("dsseEnvelope");
            var payload = envelope.GetProperty("payload").GetBytesFromBase64();
            using var statement = JsonDocument.Parse(payload);
            var algorithm = digest[..digest.IndexOf(':')];
            var aboutDigest = statement.RootElement.GetProperty("subject").EnumerateArray()
                .Any(subject => subject.GetProperty("digest").TryGetProperty(algorithm, out var hex) && hex.GetString() == digest[(digest.IndexOf(':') + 1)..]);
            return aboutDigest
                && statement.RootElement.GetProperty("predicateType").GetString() == predicateType
                && envelope.GetProperty("payloadType").GetString() == InTotoPayloadType
                && envelope.GetProperty("signatures").EnumerateArray().Any(signature =>
                    verifies(PreAuthenticationEncoding(InTotoPayloadType, payload), signature.GetProperty("sig").GetBytesFromBase64()));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return false;
        }
    }
}
