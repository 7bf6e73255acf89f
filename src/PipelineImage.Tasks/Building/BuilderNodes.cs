using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Engine.BuildKit;
using PipelineImage.Intermediate;
using PipelineImage.Transport;

namespace PipelineImage.Building;

/// <summary>A builder node: the BuildKit that builds one platform's requirements base (the RUN steps).</summary>
/// <param name="Platform">The platform it builds for, one of PipelineImagePlatforms.</param>
/// <param name="Host">Where its Control API is: a Docker engine's, or a buildkitd's.</param>
internal sealed record BuilderNode(string Platform, EngineConnection Host);

/// <summary>
/// @(PipelineImageBuilderNode): <c>&lt;PipelineImageBuilderNode Include="tcp://arm-builder:1234" Platform="linux/arm64" /&gt;</c>,
/// BuildKit's Control API on a machine of that platform (TLS from its CertPath metadata, else PipelineImageBuildKitCertPath,
/// as for PipelineImageBuildKitHost), so that the platform's RUN steps run natively there rather than under emulation on the
/// engine's machine. Each platform's requirements base built there goes to the registry under its content key, as
/// every platform's does.
/// </summary>
internal static class BuilderNodes
{
    /// <summary>The nodes, checked against the plan before anything connects.</summary>
    /// <param name="items">Each item: its address, Platform and CertPath metadata.</param>
    /// <param name="certPath">PipelineImageBuildKitCertPath, for a node without CertPath.</param>
    /// <param name="options">The plan's options: the nodes' platforms are among its platforms.</param>
    /// <exception cref="PipelineImageException">PIMG2051, naming the item and what is wrong with it.</exception>
    public static IReadOnlyList<BuilderNode> Parse(IReadOnlyList<(string Address, string Platform, string CertPath)> items, string certPath, PlannedOptions options)
    {
        var nodes = new List<BuilderNode>();
        foreach (var (address, platform, itemCertPath) in items)
        {
            if (platform.Trim().Length == 0)
            {
                throw Invalid(address, "has no Platform metadata: say which platform it builds for, such as Platform=\"linux/arm64\"");
            }

            string checkedPlatform;
            try
            {
                checkedPlatform = BuildPlatform.Validate(platform);
            }
            catch (PipelineImageException)
            {
                throw Invalid(address, $"has Platform '{platform}', which is not a platform: write it as os/arch, such as linux/arm64");
            }

            if (options.Platforms is not { } platforms || !platforms.Contains(checkedPlatform, StringComparer.Ordinal))
            {
                throw Invalid(address, options.Platforms is null
                    ? $"is for {checkedPlatform}, and the publish makes one image: a node builds one of PipelineImagePlatforms (for one image, set PipelineImageBuildKitHost)"
                    : $"is for {checkedPlatform}, which PipelineImagePlatforms ('{string.Join(";", options.Platforms)}') does not name");
            }

            if (nodes.Any(node => node.Platform == checkedPlatform))
            {
                throw Invalid(address, $"is for {checkedPlatform}, which another PipelineImageBuilderNode is for: give each platform one node");
            }

            // PipelineImageBuildKitCertPath is for tcp:// nodes; a unix socket has no TLS.
            var tls = itemCertPath.Trim().Length > 0 ? itemCertPath : address.Trim().StartsWith("unix:", StringComparison.Ordinal) ? "" : certPath;
            try
            {
                nodes.Add(new BuilderNode(checkedPlatform, BuildKitHost.Parse(address, tls, "PipelineImageBuilderNode")!));
            }
            catch (PipelineImageException e)
            {
                throw Invalid(address, $"is not a BuildKit address here: {e.Arguments[1]}");
            }
        }

        return nodes;
    }

    /// <summary>
    /// Connects to each node: a Docker engine's Control API builds into that engine, which pushes what it built; a
    /// buildkitd pushes it itself. What connected is closed when one fails.
    /// </summary>
    /// <exception cref="PipelineImageException">PIMG1014 when a node does not answer; the engine's errors for an engine's.</exception>
    public static async Task<ConnectedNodes> ConnectAsync(IReadOnlyList<BuilderNode> nodes, Func<EngineConnection, IContainerEngine> engines, TimeSpan timeout,
        BuildLog log, CancellationToken cancellationToken)
    {
        var connected = new ConnectedNodes();
        try
        {
            foreach (var node in nodes)
            {
                var control = await BuildKitControl.ConnectAsync(node.Host, timeout, cancellationToken).ConfigureAwait(false);
                if (!control.IsEngine)
                {
                    connected.Add(node.Platform, new BuildkitdRequirementsBuilder(control));
                    log.Normal($"Builder node for {node.Platform}: the buildkitd at {node.Host.Endpoint}");
                    continue;
                }

                var engine = engines(node.Host);
                try
                {
                    var info = await engine.ConnectAsync(cancellationToken).ConfigureAwait(false);
                    connected.Add(node.Platform, new EngineRequirementsBuilder(new ConnectedEngine(engine, info), control));
                    log.Normal($"Builder node for {node.Platform}: BuildKit's Control API of the engine at {info.Endpoint} ({info.Product} {info.ServerVersion}, {info.Platform})");
                }
                catch
                {
                    engine.Dispose();
                    control.Dispose();
                    throw;
                }
            }

            return connected;
        }
        catch
        {
            connected.Dispose();
            throw;
        }
    }

    private static PipelineImageException Invalid(string address, string detail) => new(DiagnosticCodes.InvalidBuilderNode, address, detail);
}

/// <summary>The builder of each platform that has a node; closes them all.</summary>
internal sealed class ConnectedNodes : IDisposable
{
    private readonly Dictionary<string, RequirementsBuilder> _builders = new(StringComparer.Ordinal);

    public void Add(string platform, RequirementsBuilder builder) => _builders[platform] = builder;

    /// <summary>The builder of a platform's requirements base: its node's, else <paramref name="otherwise"/>.</summary>
    public RequirementsBuilder For(string platform, RequirementsBuilder otherwise) => _builders.GetValueOrDefault(platform, otherwise);

    public void Dispose()
    {
        foreach (var builder in _builders.Values)
        {
            builder.Dispose();
        }
    }
}
