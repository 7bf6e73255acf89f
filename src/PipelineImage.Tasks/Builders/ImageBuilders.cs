using PipelineImage.Diagnostics;
using PipelineImage.Engine;
using PipelineImage.Planning;
using PipelineImage.Transport;

namespace PipelineImage.Builders;

/// <param name="Builder">The builder.</param>
/// <param name="Reason">Why, for the log.</param>
internal sealed record BuilderChoice(ImageBuilder Builder, string Reason);

/// <summary>
/// PipelineImageBuilder: <c>auto</c> (the default), <c>buildkit</c> or <c>classic</c>, the builder of what has RUN steps (a
/// requirements base, a parent Dockerfile); our assembler makes the rest (<see cref="Assembling.ImageAssembler"/>).
/// </summary>
internal static class ImageBuilders
{
    /// <summary>
    /// The builder for the setting on this engine. <c>auto</c>: Podman's own on Podman, BuildKit where the engine
    /// advertises it (<c>Builder-Version: 2</c>, the default of Docker 23 and later) or where the build has secrets
    /// (only BuildKit's session passes them on Docker), else classic.
    /// </summary>
    /// <param name="setting">PipelineImageBuilder.</param>
    /// <param name="engine">The engine connected to.</param>
    /// <param name="secrets">The ids of the build's secrets (none: any builder will do).</param>
    /// <param name="platform">
    /// The platform built for (PipelineImagePlatform, or one of PipelineImagePlatforms); empty: the engine's own. Another
    /// architecture is built by BuildKit or Podman, whose RUN steps run under emulation (QEMU) on the engine's machine.
    /// </param>
    /// <exception cref="PipelineImageException">
    /// PIMG1012 when <c>buildkit</c> is asked of an engine without it; PIMG1013 when the build has secrets and the
    /// builder would be the classic one, or Podman older than 4.0; PIMG1005 when the platform is another OS, or another
    /// architecture and the builder would be the classic one.
    /// </exception>
    public static BuilderChoice Choose(BuilderSetting setting, EngineInfo engine, IReadOnlyCollection<string>? secrets = null, string platform = "")
    {
        var foreign = platform.Length > 0 && !BuildPlatform.CanBuild(engine.Platform, platform);
        if (foreign && !BuildPlatform.SameOs(engine.Platform, platform))
        {
            throw new PipelineImageException(DiagnosticCodes.PlatformNotSupported, engine.Endpoint, engine.Platform, platform);
        }

        var hasSecrets = secrets is { Count: > 0 };
        var noBuildKit = engine.IsPodman ? "it is Podman, which builds with buildah"
            : !engine.Platform.StartsWith("linux/", StringComparison.Ordinal) ? $"it builds for {engine.Platform}"
            : Version.TryParse(engine.ApiVersion, out var api) && api < new Version(1, 39) ? $"its API {engine.ApiVersion} is older than 1.39"
            : null;
        if (engine.IsPodman)
        {
            // Podman's compatible API takes secrets (the secrets parameter) from Podman 4.0 on.
            if (hasSecrets && !(Version.TryParse(engine.ServerVersion, out var podman) && podman.Major >= 4))
            {
                throw new PipelineImageException(DiagnosticCodes.SecretsNeedSession, string.Join(", ", secrets!), $"the engine at {engine.Endpoint}",
                    $"it is Podman {engine.ServerVersion}, whose API takes secrets from 4.0 on");
            }

            return setting == BuilderSetting.BuildKit
                ? throw new PipelineImageException(DiagnosticCodes.BuilderNotSupported, engine.Endpoint, noBuildKit!)
                : new(ImageBuilder.Podman, setting == BuilderSetting.Classic ? "PipelineImageBuilder=classic" : "the engine is Podman: its own builder (buildah)");
        }

        if (foreign && (setting == BuilderSetting.Classic || (noBuildKit is not null && setting == BuilderSetting.Auto)))
        {
            throw new PipelineImageException(DiagnosticCodes.PlatformNotSupported, engine.Endpoint, engine.Platform, platform);
        }

        if (setting == BuilderSetting.Classic)
        {
            return hasSecrets
                ? throw new PipelineImageException(DiagnosticCodes.SecretsNeedSession, string.Join(", ", secrets!), "the classic builder",
                    "PipelineImageBuilder=classic, and only BuildKit's session passes secrets")
                : new(ImageBuilder.Classic, "PipelineImageBuilder=classic");
        }

        if (setting == BuilderSetting.BuildKit)
        {
            return noBuildKit is null
                ? new(ImageBuilder.BuildKit, "PipelineImageBuilder=buildkit")
                : throw new PipelineImageException(DiagnosticCodes.BuilderNotSupported, engine.Endpoint, noBuildKit);
        }

        if (engine.BuilderVersion == "2")
        {
            return new(ImageBuilder.BuildKit, "the engine advertises BuildKit (Builder-Version: 2)");
        }

        if (foreign)
        {
            return new(ImageBuilder.BuildKit, $"the build is for {platform}, whose RUN steps only BuildKit runs here (under emulation)");
        }

        if (hasSecrets)
        {
            return noBuildKit is null
                ? new(ImageBuilder.BuildKit, "the build has secrets, which only BuildKit's session passes")
                : throw new PipelineImageException(DiagnosticCodes.SecretsNeedSession, string.Join(", ", secrets!), $"the engine at {engine.Endpoint}",
                    $"it has only the classic builder ({noBuildKit})");
        }

        return new(ImageBuilder.Classic, "the engine does not advertise BuildKit (no Builder-Version: 2); PipelineImageBuilder=buildkit asks for it");
    }

    /// <summary>The builder when PipelineImageBuildKitHost names one: BuildKit there, through its Control API.</summary>
    /// <exception cref="PipelineImageException">PIMG2034 when PipelineImageBuilder=classic asks for another.</exception>
    public static BuilderChoice ForBuildKitHost(BuilderSetting setting, EngineConnection host) => setting == BuilderSetting.Classic
        ? throw new PipelineImageException(DiagnosticCodes.InvalidBuildKitHost, host.Endpoint.ToString(),
            "PipelineImageBuilder=classic asks for the engine's classic builder; set PipelineImageBuilder=auto or buildkit")
        : new(ImageBuilder.BuildKit, $"PipelineImageBuildKitHost={host.Endpoint}: BuildKit's Control API there");
}
