using PipelineImage.Diagnostics;

namespace PipelineImage.Planning;

/// <summary>
/// PipelineImageBuilder, parsed once (<see cref="BuilderSettings.Parse"/>): the builder of what has RUN steps (the
/// requirements base, a parent Dockerfile); our assembler makes the rest of every image. plan.json keeps its lower-case name.
/// </summary>
internal enum BuilderSetting
{
    /// <summary>The default: the engine builds RUN steps with the builder it prefers.</summary>
    Auto,

    /// <summary>BuildKit builds the RUN steps.</summary>
    BuildKit,

    /// <summary>Docker's classic builder (Podman's own on Podman) builds the RUN steps.</summary>
    Classic,

    /// <summary>
    /// Retired: it chose our assembler when the builders made whole images. Every image is assembled now, so the planner
    /// warns (PIMG2048) and plans <see cref="Auto"/>; plan.json never holds it.
    /// </summary>
    Assembler,
}

internal static class BuilderSettings
{
    /// <summary>The setting, in any case; empty is <see cref="BuilderSetting.Auto"/>.</summary>
    /// <exception cref="PipelineImageException">PIMG2030 for anything else.</exception>
    public static BuilderSetting Parse(string setting) => setting.Trim().ToLowerInvariant() switch
    {
        "" or "auto" => BuilderSetting.Auto,
        "buildkit" => BuilderSetting.BuildKit,
        "classic" => BuilderSetting.Classic,
        "assembler" => BuilderSetting.Assembler,
        _ => throw new PipelineImageException(DiagnosticCodes.InvalidBuilder, setting),
    };

    /// <summary>Its name as PipelineImageBuilder spells it, and plan.json keeps it: <c>auto</c>, <c>buildkit</c> or <c>classic</c>.</summary>
    public static string Name(this BuilderSetting setting) => setting.ToString().ToLowerInvariant();
}
