using PipelineImage.Diagnostics;

namespace PipelineImage.Planning;

/// <summary>PipelineImageBuilder, parsed once (<see cref="BuilderSettings.Parse"/>); plan.json keeps its lower-case name.</summary>
internal enum BuilderSetting
{
    /// <summary>The default: our assembler on an engine, which builds only RUN steps with the builder it prefers.</summary>
    Auto,

    /// <summary>BuildKit builds the whole Dockerfile.</summary>
    BuildKit,

    /// <summary>Docker's classic builder (Podman's own on Podman) builds the whole Dockerfile.</summary>
    Classic,

    /// <summary>Our assembler, with an engine only for a requirements base; pushing, with no engine at all.</summary>
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

    /// <summary>Its name as PipelineImageBuilder spells it, and plan.json keeps it: <c>auto</c>, <c>buildkit</c>, <c>classic</c> or <c>assembler</c>.</summary>
    public static string Name(this BuilderSetting setting) => setting.ToString().ToLowerInvariant();
}
