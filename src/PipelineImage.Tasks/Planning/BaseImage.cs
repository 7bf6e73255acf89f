using System.Globalization;
using PipelineImage.Diagnostics;

namespace PipelineImage.Planning;

/// <summary>The default base image, chosen as the .NET SDK's container support chooses it.</summary>
internal static class BaseImage
{
    public const string Registry = "mcr.microsoft.com/dotnet";

    /// <summary>
    /// <c>runtime-deps</c> for self-contained and native AOT apps, <c>aspnet</c> for ASP.NET Core apps, else
    /// <c>runtime</c>; tagged with the target framework's major.minor.
    /// </summary>
    /// <exception cref="PipelineImageException">PIMG2004 when the target framework has no .NET base image.</exception>
    public static string Choose(PublishedApp app)
    {
        var channel = Channel(app);
        var repository = app.SelfContained || app.PublishAot ? "runtime-deps"
            : app.UsesAspNetCore ? "aspnet"
            : "runtime";
        return $"{Registry}/{repository}:{channel}";
    }

    private static string Channel(PublishedApp app)
    {
        var version = app.TargetFrameworkVersion.TrimStart('v', 'V');
        if (app.TargetFrameworkIdentifier != ".NETCoreApp"
            || !Version.TryParse(version, out var parsed)
            || parsed.Major < 5)
        {
            throw new PipelineImageException(
                DiagnosticCodes.NoDefaultBaseImage, app.TargetFrameworkIdentifier, app.TargetFrameworkVersion);
        }

        return string.Create(CultureInfo.InvariantCulture, $"{parsed.Major}.{Math.Max(parsed.Minor, 0)}");
    }
}
