using System.Reflection;
using System.Text.Json.Nodes;
using PipelineImage.Assembling;
using PipelineImage.Intermediate;
using PipelineImage.Registry;

namespace PipelineImage.Signing;

/// <summary>
/// What a push with PipelineImageSigningKey signs, in each repository pushed to: each pushed manifest (with several
/// platforms, the index and each platform's) gets a signature (cosign's <c>sign/v1</c>), SLSA provenance v1 and, with
/// PipelineImageSbom, its bill of materials as a CycloneDX attestation; each a Sigstore bundle attached as a referrer,
/// made once per digest and key (<see cref="ImageSigner"/>).
/// </summary>
/// <param name="signer">Signs and attaches, or finds what was signed before.</param>
/// <param name="log">A line per statement.</param>
internal sealed class PushSignatures(ImageSigner signer, Action<string> log)
{
    /// <summary>cosign's predicate type of a CycloneDX attestation (<c>cosign verify-attestation --type cyclonedx</c>).</summary>
    public const string CycloneDxPredicateType = "https://cyclonedx.org/bom";

    /// <summary>SLSA provenance v1 (<c>--type slsaprovenance1</c>).</summary>
    public const string SlsaProvenancePredicateType = "https://slsa.dev/provenance/v1";

    /// <summary>What the provenance says was built how.</summary>
    public const string BuildType = "https://pipelineimage.dev/PipelineImage.Tasks/dotnet-publish/v1";

    /// <param name="record">image.json: the platforms' digests, the bills.</param>
    /// <param name="recordPath">Where image.json is: plan.json and the assembled images are beside it.</param>
    /// <param name="pushed">Each repository pushed to (registry, path), with the digest pushed there.</param>
    /// <param name="cancellationToken">Ends it.</param>
    /// <exception cref="RegistryException">A registry request failed.</exception>
    public async Task SignAsync(ImageRecord record, string recordPath, IReadOnlyList<(string Registry, string Repository, string Digest)> pushed,
        CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(recordPath))!;
        // Made once, when the first manifest needs it: a publish whose statements are all there reads nothing for them.
        var provenance = new Lazy<Task<JsonObject>>(() => ProvenanceAsync(directory, cancellationToken));
        var bills = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (platform, path) in record.PlatformSboms ?? new Dictionary<string, string>())
        {
            bills[record.Platforms![platform]] = path;
        }

        foreach (var (registry, repository, digest) in pushed.Distinct())
        {
            if (record.Sbom is { } sbom)
            {
                bills[digest] = sbom;
            }

            foreach (var subject in (record.Platforms?.Values ?? []).Prepend(digest).Distinct().Select(manifest => new SigningSubject(registry, repository, manifest)))
            {
                await StateAsync(subject, SigstoreBundle.SignPredicateType, () => Task.FromResult<JsonNode>(new JsonObject()), "Signed", cancellationToken)
                    .ConfigureAwait(false);
                await StateAsync(subject, SlsaProvenancePredicateType, async () => (await provenance.Value.ConfigureAwait(false)).DeepClone(),
                    "Attested the SLSA provenance of", cancellationToken).ConfigureAwait(false);
                if (bills.TryGetValue(subject.Digest, out var bill) && File.Exists(bill))
                {
                    await StateAsync(subject, CycloneDxPredicateType,
                        async () => JsonNode.Parse(await File.ReadAllTextAsync(bill, cancellationToken).ConfigureAwait(false)) ?? new JsonObject(),
                        "Attested the bill of materials of", cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    private async Task StateAsync(SigningSubject subject, string predicateType, Func<Task<JsonNode>> predicate, string done, CancellationToken cancellationToken)
    {
        var made = await signer.SignAsync(subject, predicateType, predicate, cancellationToken).ConfigureAwait(false);
        log(made.Reused
            ? $"{subject.Name}@{subject.Digest} has this key's {Short(predicateType)} already (the OCI referrer {made.Referrer}): not made again"
            : $"{done} {subject.Name}@{subject.Digest}: the OCI referrer {made.Referrer} ({Short(predicateType)})");
    }

    private static string Short(string predicateType) => predicateType switch
    {
        SigstoreBundle.SignPredicateType => "signature",
        SlsaProvenancePredicateType => "SLSA provenance",
        CycloneDxPredicateType => "CycloneDX bill of materials",
        _ => predicateType,
    };

    // SLSA provenance v1 of what plan.json and the assembled images say: the builder (this package and its version),
    // the inputs (the plan's inputs key, the images the layers went on by digest, the RUN steps of the requirements,
    // the source repository and revision when MSBuild knew them), and when plan.json and image.json were written (the
    // build's start and end).
    private static async Task<JsonObject> ProvenanceAsync(string directory, CancellationToken cancellationToken)
    {
        var planPath = Path.Combine(directory, "plan.json");
        var plan = await PlanFile.ReadAsync(planPath, cancellationToken).ConfigureAwait(false);
        var labels = (plan.Assembly?.Config.Labels ?? []).ToDictionary(label => label.Key, label => label.Value, StringComparer.Ordinal);
        var dependencies = new JsonArray();
        var assembled = new[] { Path.Combine(directory, "assembled") }
            .Concat(Directory.Exists(Path.Combine(directory, "platforms")) ? Directory.EnumerateDirectories(Path.Combine(directory, "platforms")).Order(StringComparer.Ordinal) : [])
            .Select(AssemblyRecord.Read).OfType<AssemblyRecord>();
        foreach (var on in assembled.DistinctBy(record => record.BaseDigest))
        {
            dependencies.Add(new JsonObject
            {
                ["uri"] = $"docker://{on.Base.Registry}/{on.Base.Path}@{on.BaseDigest}",
                ["digest"] = new JsonObject { ["sha256"] = on.BaseDigest[(on.BaseDigest.IndexOf(':') + 1)..] },
            });
        }

        if (labels.GetValueOrDefault("org.opencontainers.image.source") is { Length: > 0 } source)
        {
            var revision = labels.GetValueOrDefault("org.opencontainers.image.revision");
            dependencies.Add(revision is { Length: > 0 }
                ? new JsonObject { ["uri"] = $"git+{source}@{revision}", ["digest"] = new JsonObject { ["gitCommit"] = revision } }
                : new JsonObject { ["uri"] = source });
        }

        var version = typeof(PushSignatures).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        var runSteps = plan.Assembly?.Requirements?.Dockerfile.Split('\n').Where(line => line.StartsWith("RUN ", StringComparison.Ordinal)).ToList() ?? [];
        return new JsonObject
        {
            ["buildDefinition"] = new JsonObject
            {
                ["buildType"] = BuildType,
                ["externalParameters"] = new JsonObject
                {
                    ["image"] = plan.Name,
                    ["references"] = new JsonArray([.. plan.References.Select(reference => (JsonNode?)reference.ToString())]),
                    ["baseImage"] = plan.BaseImage,
                    ["platforms"] = new JsonArray([.. (plan.Options.Platforms ?? (plan.Options.Platform.Length > 0 ? [plan.Options.Platform] : [])).Select(p => (JsonNode?)p)]),
                },
                ["internalParameters"] = new JsonObject
                {
                    ["inputsKey"] = plan.InputsKey,
                    ["requirements"] = new JsonArray([.. runSteps.Select(step => (JsonNode?)step)]),
                },
                ["resolvedDependencies"] = dependencies,
            },
            ["runDetails"] = new JsonObject
            {
                ["builder"] = new JsonObject
                {
                    ["id"] = $"https://www.nuget.org/packages/PipelineImage.Tasks/{version.Split('+')[0]}",
                    ["version"] = new JsonObject { ["PipelineImage.Tasks"] = version },
                },
                ["metadata"] = new JsonObject
                {
                    ["startedOn"] = File.GetLastWriteTimeUtc(planPath).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
                    ["finishedOn"] = File.GetLastWriteTimeUtc(Path.Combine(directory, "image.json")).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
                },
            },
        };
    }
}
