using System.Text;
using System.Text.RegularExpressions;
using PipelineImage.Diagnostics;

namespace PipelineImage.Naming;

/// <summary>
/// Image repository names and tags, with the grammar of the distribution reference spec
/// (github.com/distribution/reference): <c>[host[:port]/]component[/component...]</c>, where a component is
/// lower-case alphanumerics joined by <c>.</c>, <c>_</c>, <c>__</c> or runs of <c>-</c>, and the whole name
/// is at most 255 characters.
/// </summary>
internal static partial class ImageName
{
    public const int MaxNameLength = 255;

    [GeneratedRegex("^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")]
    private static partial Regex PathComponent();

    // A registry host: a DNS name or IPv4 address, or a bracketed IPv6 address, with an optional port.
    [GeneratedRegex(@"^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?$")]
    private static partial Regex Domain();

    [GeneratedRegex(@"^[\w][\w.-]{0,127}$", RegexOptions.ECMAScript)]
    private static partial Regex TagPattern();

    /// <summary>
    /// Derives a repository name from an assembly name: lower-cased, every run of characters a name cannot hold
    /// becomes one <c>-</c>, separators are collapsed and trimmed.
    /// </summary>
    /// <exception cref="PipelineImageException">PIMG2001 when nothing valid remains.</exception>
    public static string FromAssemblyName(string assemblyName)
    {
        var builder = new StringBuilder(assemblyName.Length);
        foreach (var c in assemblyName.ToLowerInvariant())
        {
            if (c is >= 'a' and <= 'z' or >= '0' and <= '9')
            {
                builder.Append(c);
            }
            else if (c is '.' or '_' && builder.Length > 0 && !IsSeparator(builder[^1]))
            {
                builder.Append(c);
            }
            else if (builder.Length > 0 && !IsSeparator(builder[^1]))
            {
                builder.Append('-');
            }
        }

        var name = builder.ToString().TrimEnd('.', '_', '-');
        if (name.Length > MaxNameLength)
        {
            name = name[..MaxNameLength].TrimEnd('.', '_', '-');
        }

        if (name.Length == 0)
        {
            throw new PipelineImageException(DiagnosticCodes.AssemblyNameNotUsableAsImageName, assemblyName);
        }

        return name;

        static bool IsSeparator(char c) => c is '.' or '_' or '-';
    }

    /// <summary>Validates a name the user gave (PipelineImageName); it is used as given, never rewritten.</summary>
    /// <exception cref="PipelineImageException">PIMG2002 naming what is wrong.</exception>
    public static void Validate(string name)
    {
        var problem = FindProblem(name);
        if (problem is not null)
        {
            throw new PipelineImageException(DiagnosticCodes.InvalidImageName, name, problem);
        }
    }

    private static string? FindProblem(string name)
    {
        if (name.Length == 0)
        {
            return "it is empty";
        }

        if (name.Length > MaxNameLength)
        {
            return $"it is longer than {MaxNameLength} characters";
        }

        if (name.Contains('@'))
        {
            return "it has a digest ('@'); a digest identifies an existing image and cannot name a new one";
        }

        var components = name.Split('/');
        var first = 0;
        if (components.Length > 1 && (components[0].Contains('.') || components[0].Contains(':')
                                      || components[0] == "localhost" || components[0].StartsWith('[')))
        {
            if (!Domain().IsMatch(components[0]))
            {
                return $"'{components[0]}' is not a valid registry host";
            }

            first = 1;
        }

        for (var i = first; i < components.Length; i++)
        {
            var component = components[i];
            if (i == components.Length - 1 && component.Contains(':'))
            {
                return "it has a tag (':'); give tags in PipelineImageTags instead";
            }

            if (!PathComponent().IsMatch(component))
            {
                return component.Length == 0
                    ? "it has an empty path component"
                    : $"'{component}' is not a valid path component (lower-case letters and digits, joined by '.', '_', '__' or '-')";
            }
        }

        return null;
    }

    [GeneratedRegex("^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$")]
    private static partial Regex DigestPattern();

    /// <summary>
    /// Validates a reference to an existing image (PipelineImageBase): a name with an optional <c>:tag</c> and an
    /// optional <c>@digest</c>.
    /// </summary>
    /// <exception cref="PipelineImageException">PIMG2005 naming what is wrong.</exception>
    public static void ValidateReference(string reference)
    {
        var parts = ReferenceParts.Split(reference);
        string? problem = parts.Digest is { } digest && !DigestPattern().IsMatch(digest)
            ? $"'{digest}' is not a digest (algorithm:hex, such as sha256:...)"
            : parts.Tag is { } tag && !TagPattern().IsMatch(tag) ? $"'{tag}' is not a valid tag"
            : null;
        var rest = parts.Name;
        problem ??= FindProblem(rest);
        if (problem is not null)
        {
            throw new PipelineImageException(DiagnosticCodes.InvalidBaseImage, reference, problem);
        }
    }

    /// <summary>Turns a version into a tag: SemVer build metadata's <c>+</c> becomes <c>-</c>.</summary>
    public static string TagFromVersion(string version) => version.Replace('+', '-');

    /// <exception cref="PipelineImageException">PIMG2003 for a tag Docker would refuse.</exception>
    public static void ValidateTag(string tag)
    {
        if (!TagPattern().IsMatch(tag))
        {
            throw new PipelineImageException(DiagnosticCodes.InvalidTag, tag);
        }
    }
}
