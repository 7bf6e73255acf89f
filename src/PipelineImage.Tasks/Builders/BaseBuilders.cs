using PipelineImage.Engine;
using PipelineImage.Engine.BuildKit;
using PipelineImage.Planning;

namespace PipelineImage.Builders;

/// <summary>The one place a build's builder is chosen: from PipelineImageBuilder, the engine, PipelineImageBuildKitHost and the secrets.</summary>
internal static class BaseBuilders
{
    /// <summary>
    /// BuildKit's Control API at PipelineImageBuildKitHost when it is given (an engine's); else the engine's builder
    /// that <see cref="ImageBuilders.Choose"/> picks for the setting.
    /// </summary>
    /// <param name="setting">PipelineImageBuilder.</param>
    /// <param name="engine">The engine, connected; its store keeps what is built.</param>
    /// <param name="info">What it said of itself.</param>
    /// <param name="buildKit">PipelineImageBuildKitHost's Control API, a Docker engine's; null: none.</param>
    /// <param name="secrets">The ids of the build's secrets.</param>
    /// <param name="platform">The platform built for; empty: the engine's own.</param>
    /// <exception cref="Diagnostics.PipelineImageException">PIMG1012, PIMG1013 or PIMG2034 when the setting cannot be had here.</exception>
    public static IBaseBuilder Choose(BuilderSetting setting, IContainerEngine engine, EngineInfo info, BuildKitControl? buildKit, IReadOnlyCollection<string> secrets,
        string platform = "") =>
        buildKit is null
            ? new EngineBuilder(engine, ImageBuilders.Choose(setting, info, secrets, platform))
            : new ControlApiBuilder(buildKit, engine, ImageBuilders.ForBuildKitHost(setting, buildKit.Host));
}
