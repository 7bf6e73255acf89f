using System.Globalization;
using System.Resources;

namespace PipelineImage.Diagnostics;

/// <summary>Access to <c>Strings.resx</c>; every coded entry's value starts with <c>PIMGnnnn: </c>.</summary>
internal static class Strings
{
    public static ResourceManager Manager { get; } =
        new("PipelineImage.Diagnostics.Strings", typeof(Strings).Assembly);

    public static string Get(string resourceName) =>
        Manager.GetString(resourceName, CultureInfo.CurrentUICulture)
        ?? throw new ArgumentException($"No resource named '{resourceName}'.", nameof(resourceName));

    public static string Format(string resourceName, params object[] arguments) =>
        string.Format(CultureInfo.CurrentCulture, Get(resourceName), arguments);
}
