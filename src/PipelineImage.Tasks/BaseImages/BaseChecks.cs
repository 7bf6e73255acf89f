using System.Globalization;
using PipelineImage.Diagnostics;
using PipelineImage.Dockerfile;
using PipelineImage.Planning;
using PipelineImage.Requirements;

namespace PipelineImage.BaseImages;

/// <summary>
/// What a base image's own files (<see cref="BaseFacts"/>) decide before anything is built on it: the OS family the
/// requirements are installed with, and the refusals of an image that could not start or build on it.
/// </summary>
internal static class BaseChecks
{
    /// <summary>The traits the requirements are planned with: the family os-release names, Python as the name tells.</summary>
    public static BaseImageTraits Traits(BaseFacts facts, string baseImage) =>
        new(facts.Family() ?? OsFamily.Unknown, BaseImageFamily.Detect(baseImage).HasPython);

    /// <summary>Every refusal of the plan on this base; none: it can build and start.</summary>
    /// <param name="facts">The base's facts.</param>
    /// <param name="baseImage">The base's reference, for the messages.</param>
    /// <param name="app">The published app.</param>
    /// <param name="settings">The image properties (PipelineImageUser, PipelineImageEntrypointMode...).</param>
    /// <param name="plan">The plan made on the base.</param>
    public static IReadOnlyList<PipelineImageException> Check(BaseFacts facts, string baseImage, PublishedApp app, ImageSettings settings, BuildPlan plan)
    {
        var problems = new List<PipelineImageException>();
        var user = ImageConfiguration.User(settings.User);
        var setting = settings.User.Trim().Length == 0 ? $"PipelineImageUser (empty: the default, {ImageConfiguration.DefaultUser})" : "PipelineImageUser";
        if (facts.OwnerOf(user) is null)
        {
            problems.Add(new PipelineImageException(DiagnosticCodes.BaseImageUserUnknown, setting, user, baseImage, Known(facts)));
        }

        if (facts.Shell is null && plan.Requirements.Instructions.OfType<RunInstruction>().Any())
        {
            problems.Add(new PipelineImageException(DiagnosticCodes.BaseImageWithoutShell, baseImage, plan.Requirements.Manager?.ToString().ToLowerInvariant() ?? "pip"));
        }

        if (MissingRuntime(facts, app, settings) is { } missing)
        {
            problems.Add(new PipelineImageException(DiagnosticCodes.BaseImageWithoutRuntime, $"{missing.Framework} {missing.Channel}", baseImage,
                facts.Runtimes.Count == 0 ? "none" : string.Join(", ", facts.Runtimes), missing.Channel));
        }

        return problems;
    }

    /// <summary>The variable that tells a single-file bundle where to extract itself.</summary>
    public const string ExtractionVariable = "DOTNET_BUNDLE_EXTRACT_BASE_DIR";

    /// <summary>
    /// Where a bundle that extracts itself must extract, when the image's user has no home on the base (no passwd
    /// entry, or none of its directory) or one it cannot write (as its owner and mode say), and nothing set
    /// <see cref="ExtractionVariable"/>: <c>/tmp/.net</c> where the base has <c>/tmp</c>; null otherwise. Without it the
    /// app fails: "Default extraction directory ... either doesn't exist or is not accessible".
    /// </summary>
    /// <returns>The directory, the user's home as the base has it, and what is wrong with it (for the log).</returns>
    public static (string Directory, string Home, string Problem)? ExtractionDirectory(BaseFacts facts, PublishedApp app, ImageSettings settings)
    {
        if (!app.SelfExtracts || settings.EnvironmentVariables.Any(variable => variable.Key == ExtractionVariable) || !facts.Paths.Contains("/tmp"))
        {
            return null;
        }

        string user;
        try
        {
            user = ImageConfiguration.User(settings.User);
        }
        catch (PipelineImageException)
        {
            return null; // the planner reports it
        }

        var name = user.Split(':')[0];
        var entry = facts.FindUser(name);
        var home = entry?.Home ?? "/";
        const string tmp = "/tmp/.net";
        if (home is "/" or "" || (BaseFacts.AtTopTwoLevels(home) && !facts.Paths.Contains(home)))
        {
            return (tmp, home, "is not in the base image");
        }

        return entry is not null && facts.WritableBy(home, entry) == false
            ? (tmp, home, $"is not writable by {entry.Name} (owner and mode {facts.Directories[home]}) in the base image")
            : null;
    }

    // The shared framework a framework-dependent app started by our entrypoint needs and the base lacks
    // (Microsoft.NETCore.App, or ASP.NET Core's) and the app's channel (10.0), or null.
    private static (string Framework, string Channel)? MissingRuntime(BaseFacts facts, PublishedApp app, ImageSettings settings)
    {
        var ours = settings.Entrypoint.Count == 0 && settings.EntrypointMode.Trim().ToLowerInvariant() is "" or "app";
        if (app.SelfContained || app.PublishAot || !ours || app.TargetFrameworkIdentifier != ".NETCoreApp"
            || !Version.TryParse(app.TargetFrameworkVersion.TrimStart('v', 'V'), out var target))
        {
            return null;
        }

        var frameworks = new List<string> { "Microsoft.NETCore.App" };
        if (app.UsesAspNetCore)
        {
            frameworks.Add("Microsoft.AspNetCore.App");
        }

        // DOTNET_ROLL_FORWARD in the image wins over the app's RollForward; Major and LatestMajor take any later runtime.
        var rollForward = settings.EnvironmentVariables.LastOrDefault(variable => variable.Key == "DOTNET_ROLL_FORWARD").Value ?? app.RollForward;
        var anyMajor = rollForward.Trim().ToLowerInvariant() is "major" or "latestmajor";
        foreach (var framework in frameworks)
        {
            var has = facts.Runtimes.Any(runtime => runtime.StartsWith(framework + "/", StringComparison.Ordinal)
                && Version.TryParse(runtime[(framework.Length + 1)..].Split('-')[0], out var version)
                && (anyMajor ? version >= new Version(target.Major, Math.Max(target.Minor, 0)) : version.Major == target.Major && version.Minor >= target.Minor));
            if (!has)
            {
                return (framework, string.Create(CultureInfo.InvariantCulture, $"{target.Major}.{Math.Max(target.Minor, 0)}"));
            }
        }

        return null;
    }

    private static string Known(BaseFacts facts) => facts.Users.Count == 0
        ? "it has no /etc/passwd"
        : $"its users: {string.Join(", ", facts.Users.Select(u => $"{u.Name} ({u.Uid})"))}";
}
