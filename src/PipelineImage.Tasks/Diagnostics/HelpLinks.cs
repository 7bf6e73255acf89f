using System;
using System.IO;

namespace PipelineImage.Diagnostics;

/// <summary>
/// The help link of a PIMG code: its row in the error table of the guide the package carries (docs/README.md, two
/// folders above tasks/net8.0/, tasks/net10.0-linux-x64/ and tasks/net472/), which Visual Studio's Error List opens. None where the guide is not
/// there (a task assembly run from its build output). Compiled into the in-process tasks and the ToolTasks.
/// </summary>
internal static class HelpLinks
{
    private static readonly Lazy<string?> Guide = new(() =>
    {
        var directory = Path.GetDirectoryName(typeof(HelpLinks).Assembly.Location);
        var guide = directory is null ? null : Path.GetFullPath(Path.Combine(directory, "..", "..", "docs", "README.md"));
        return guide is not null && File.Exists(guide) ? new Uri(guide).AbsoluteUri : null;
    });

    public static string? For(string? code) => Guide.Value is { } guide && !string.IsNullOrEmpty(code) ? guide + "#" + code!.ToLowerInvariant() : null;
}
