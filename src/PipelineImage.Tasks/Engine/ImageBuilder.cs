using PipelineImage.Diagnostics;

namespace PipelineImage.Engine;

/// <summary>What builds the image on the engine.</summary>
public enum ImageBuilder
{
    /// <summary>The Engine API's classic builder (<c>POST /build?version=1</c>): every Docker engine has it.</summary>
    Classic,

    /// <summary>BuildKit through the Engine API (<c>POST /build?version=2</c>): Docker 18.09 and later.</summary>
    BuildKit,

    /// <summary>Podman's compatible API, which builds with buildah whatever the request's builder version.</summary>
    Podman,
}

/// <param name="Builder">The builder.</param>
/// <param name="Reason">Why, for the log.</param>
public sealed record BuilderChoice(ImageBuilder Builder, string Reason);

/// <summary>PipelineImageBuilder: <c>auto</c> (the default), <c>buildkit</c> or <c>classic</c>.</summary>
public static class ImageBuilders
{
    /// <summary>The setting, lower-cased; empty is <c>auto</c>.</summary>
    /// <exception cref="PipelineImageException">PIMG2030 for anything else.</exception>
    public static string Validate(string setting) => setting.Trim().ToLowerInvariant() switch
    {
        "" or "auto" => "auto",
        "buildkit" => "buildkit",
        "classic" => "classic",
        _ => throw new PipelineImageException(DiagnosticCodes.InvalidBuilder, setting),
    };

    /// <summary>
    /// The builder for the setting on this engine. <c>auto</c>: Podman's own on Podman, BuildKit where the engine
    /// advertises it (<c>Builder-Version: 2</c>, the default of Docker 23 and later), else classic.
    /// </summary>
    /// <exception cref="PipelineImageException">PIMG1012 when <c>buildkit</c> is asked of an engine without it.</exception>
    public static BuilderChoice Choose(string setting, EngineInfo engine)
    {
        var validated = Validate(setting);
        if (validated == "classic")
        {
            return new(engine.IsPodman ? ImageBuilder.Podman : ImageBuilder.Classic, "PipelineImageBuilder=classic");
        }

        if (validated == "buildkit")
        {
            var cannot = engine.IsPodman ? "it is Podman, which builds with buildah"
                : !engine.Platform.StartsWith("linux/", StringComparison.Ordinal) ? $"it builds for {engine.Platform}"
                : Version.TryParse(engine.ApiVersion, out var api) && api < new Version(1, 39) ? $"its API {engine.ApiVersion} is older than 1.39"
                : null;
            return cannot is null
                ? new(ImageBuilder.BuildKit, "PipelineImageBuilder=buildkit")
                : throw new PipelineImageException(DiagnosticCodes.BuilderNotSupported, engine.Endpoint, cannot);
        }

        return engine.IsPodman ? new(ImageBuilder.Podman, "the engine is Podman: its own builder (buildah)")
            : engine.BuilderVersion == "2" ? new(ImageBuilder.BuildKit, "the engine advertises BuildKit (Builder-Version: 2)")
            : new(ImageBuilder.Classic, "the engine does not advertise BuildKit (no Builder-Version: 2); PipelineImageBuilder=buildkit asks for it");
    }
}
