using PipelineImage.IntegrationTests.Infrastructure;

namespace PipelineImage.IntegrationTests;

/// <summary>
/// The core scenarios on today's engines (build/modern-engines.sh): Docker 26 on the containerd image store (a fresh
/// Docker 29's default) with BuildKit and the classic builder, Docker 26 on the graph-driver store with BuildKit, and
/// Podman 5. They run in a lane of their own, beside the tests on this machine's engines.
/// </summary>
[Collection(ModernEngineCollection.Name)]
public sealed class ModernEngineMatrixTests(PackageFeed feed) : BuilderScenarios(feed)
{
    [ModernEngineFact]
    public Task TheSampleBuildsAndRunsOnTheContainerdStore() => SampleAsync(BuilderUnderTest.Named("docker-containerd/buildkit"));

    [ModernEngineTheory]
    [InlineData("docker-containerd/buildkit")]
    [InlineData("docker-containerd/classic")]
    [InlineData("docker-graphdriver/buildkit")]
    [InlineData("podman5")]
    public Task PublishRunsWithTheContextOfTheIgnoreRulesAndAnUnchangedPublishBuildsNothing(string builder) =>
        PublishAndRunAsync(BuilderUnderTest.Named(builder));

    [ModernEngineTheory]
    [InlineData("docker-containerd/buildkit")]
    [InlineData("docker-containerd/classic")]
    [InlineData("docker-graphdriver/buildkit")]
    [InlineData("podman5")]
    public Task AddingOnePipAndOneAptRequirementDownloadsOnlyThoseWhereTheBuilderHasCacheMounts(string builder) =>
        RequirementsAsync(BuilderUnderTest.Named(builder));

    [ModernEngineTheory]
    [InlineData("docker-containerd/buildkit")]
    [InlineData("docker-containerd/classic")]
    [InlineData("docker-graphdriver/buildkit")]
    [InlineData("podman5")]
    public Task AFailedRunStepIsOnePimg1003WithTheStepAndItsOutput(string builder) => FailedStepAsync(BuilderUnderTest.Named(builder));

    [ModernEngineTheory]
    [InlineData("docker-containerd/buildkit")]
    [InlineData("docker-graphdriver/buildkit")]
    [InlineData("podman5")]
    public Task AParentDockerfileIsBuiltFirstAndThePushReachesTheRegistry(string builder) => ParentAndPushAsync(BuilderUnderTest.Named(builder));

    [ModernEngineTheory]
    [InlineData("docker-containerd/buildkit", "Builder: buildkit (PipelineImageBuilder=buildkit)")]
    [InlineData("podman5", "Builder: podman (the engine is Podman: its own builder (buildah))")]
    public Task ASecretReachesItsStepAndNoLayerHistoryLogOrBinlog(string builder, string chosen) =>
        new SecretsTests(Feed).SecretInNothingButTheStepAsync(BuilderUnderTest.Named(builder), chosen);
}
