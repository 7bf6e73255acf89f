using PipelineImage.Dockerfile;
using PipelineImage.Requirements;

namespace PipelineImage.Tests.Requirements;

internal static class RequirementTestData
{
    public const string ProjectFile = "/src/App/App.csproj";
    public const string DotnetBase = "mcr.microsoft.com/dotnet/runtime:10.0";

    public static RequirementItem Item(string include, string manager = "", string version = "") =>
        new() { Include = include, ProjectFile = ProjectFile, Manager = manager, Version = version };

    public static RequirementItem Pip(string include, string version = "") => Item(include, "pip", version);

    /// <summary>A file system of full path to text; any other path does not exist.</summary>
    public static Func<string, string?> Files(params (string Path, string Text)[] files) =>
        path => files.FirstOrDefault(file => file.Path == path).Text;

    public static readonly Func<string, string?> NoFiles = _ => null;

    public static RequirementPlan Plan(
        IReadOnlyList<RequirementItem> items, string baseImage = DotnetBase, RequirementSettings? settings = null, Func<string, string?>? files = null) =>
        RequirementPlanner.Plan(items, settings ?? new RequirementSettings(), baseImage, files ?? NoFiles);

    public static string Render(RequirementPlan plan) => DockerfileWriter.Render(new DockerfileDefinition([], plan.Instructions));
}
