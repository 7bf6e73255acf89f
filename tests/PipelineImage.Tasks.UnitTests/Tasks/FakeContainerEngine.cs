using PipelineImage.Engine;
using PipelineImage.Naming;
using PipelineImage.Registry;

namespace PipelineImage.Tests.Tasks;

/// <summary>An engine for the tasks' unit tests: it records what it is asked and throws where a test says.</summary>
internal sealed class FakeContainerEngine : IContainerEngine
{
    /// <summary>The operation (connect, exists, build, push) that throws, and what.</summary>
    public (string Operation, Exception Failure)? Fail { get; init; }

    public HashSet<string> Images { get; } = new(StringComparer.Ordinal);

    public List<BuildRequest> Builds { get; } = [];

    public List<ImageReference> Pushes { get; } = [];

    public string ImageId { get; init; } = "sha256:" + new string('a', 64);

    public bool Disposed { get; private set; }

    public Task<EngineInfo> ConnectAsync(CancellationToken cancellationToken)
    {
        Throw("connect");
        return Task.FromResult(new EngineInfo("unix:///fake.sock", "27.0.0", "1.47", "linux/amd64"));
    }

    public Task<BuildResult> BuildAsync(BuildRequest request, Action<string> output, CancellationToken cancellationToken)
    {
        Throw("build");
        Builds.Add(request);
        output("Step 1/1 : FROM scratch");
        foreach (var reference in request.References)
        {
            Images.Add(reference);
        }

        Images.Add(ImageId);
        return Task.FromResult(new BuildResult(ImageId));
    }

    public Task<bool> ImageExistsAsync(string reference, CancellationToken cancellationToken)
    {
        Throw("exists");
        return Task.FromResult(Images.Contains(reference));
    }

    public Task<PushResult> PushAsync(ImageReference reference, ResolvedCredential credential, Action<string> output, CancellationToken cancellationToken)
    {
        Throw("push");
        Pushes.Add(reference);
        return Task.FromResult(new PushResult("sha256:" + new string('d', 64), 1024, 1, 2));
    }

    public void Dispose() => Disposed = true;

    private void Throw(string operation)
    {
        if (Fail is { } fail && fail.Operation == operation)
        {
            throw fail.Failure;
        }
    }
}
