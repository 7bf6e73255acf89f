using System.Globalization;
using System.Text.RegularExpressions;

namespace PipelineImage.Requirements;

/// <summary>
/// The grammars requirement values must match before they go anywhere near a RUN line. Each check returns null
/// for a valid value, else what is wrong with it in words. Every grammar is ASCII only (which also shuts out
/// Unicode look-alikes), has no white space or control characters and at most <see cref="MaxLength"/>
/// characters; none of them admits <c>'</c>, <c>"</c>, <c>`</c>, <c>$</c>, <c>;</c>, <c>&amp;</c>, <c>|</c>,
/// <c>\</c>, parentheses or braces. The regular expressions use <c>\A</c>/<c>\z</c> and explicit ASCII ranges:
/// <c>$</c> would accept a trailing newline, <c>\d</c> and case-insensitive matching non-ASCII characters.
/// </summary>
internal static partial class Grammar
{
    public const int MaxLength = 256;

    // Debian policy 5.6.1 (names) and 5.6.12 (versions: [epoch:]upstream[-revision]; the upstream version may
    // hold '-' only when there is a revision, and starts with a digit).
    [GeneratedRegex(@"\A[a-z0-9][a-z0-9+.-]+\z")]
    private static partial Regex DebianName();

    [GeneratedRegex(@"\A(?:[0-9]+:)?(?:[0-9][A-Za-z0-9.+~]*|[0-9][A-Za-z0-9.+~-]*-[A-Za-z0-9.+~]+)\z")]
    private static partial Regex DebianVersion();

    // apk: names of letters, digits and '+._-'; versions as apk-tools parses them
    // (1.2.3[letter][_suffix[N]]...[~hash][-rN]).
    [GeneratedRegex(@"\A[A-Za-z0-9][A-Za-z0-9+._-]*\z")]
    private static partial Regex AlpineName();

    [GeneratedRegex(@"\A[0-9]+(?:\.[0-9]+)*[a-z]?(?:_(?:alpha|beta|pre|rc|cvs|svn|git|hg|p)[0-9]*)*(?:~[0-9a-f]+)?(?:-r[0-9]+)?\z")]
    private static partial Regex AlpineVersion();

    // RPM (tdnf): names of letters, digits and '._+-'; [epoch:]version[-release] with letters, digits and '._+~'.
    [GeneratedRegex(@"\A[A-Za-z0-9_][A-Za-z0-9._+-]*\z")]
    private static partial Regex RpmName();

    [GeneratedRegex(@"\A(?:[0-9]+:)?[A-Za-z0-9][A-Za-z0-9._+~]*(?:-[A-Za-z0-9][A-Za-z0-9._+~]*)?\z")]
    private static partial Regex RpmVersion();

    /// <summary>A package name for the manager, or null when valid.</summary>
    public static string? OsPackageNameProblem(OsPackageManager manager, string name) =>
        Common(name) ?? (manager switch
        {
            OsPackageManager.Apt => DebianName().IsMatch(name) ? null
                : Disallowed(name, "abcdefghijklmnopqrstuvwxyz0123456789+.-")
                  ?? "a Debian package name is at least two characters: lower-case letters, digits, '+', '.' and '-', starting with a letter or digit",
            OsPackageManager.Apk => AlpineName().IsMatch(name) ? null
                : Disallowed(name, Alphanumerics + "+._-")
                  ?? "an Alpine package name is letters, digits, '+', '.', '_' and '-', starting with a letter or digit",
            OsPackageManager.Tdnf => RpmName().IsMatch(name) ? null
                : Disallowed(name, Alphanumerics + "._+-")
                  ?? "an RPM package name is letters, digits, '.', '_', '+' and '-', starting with a letter, digit or '_'",
            _ => throw new ArgumentOutOfRangeException(nameof(manager)),
        });

    /// <summary>A package version for the manager, or null when valid.</summary>
    public static string? OsPackageVersionProblem(OsPackageManager manager, string version) =>
        Common(version) ?? (manager switch
        {
            OsPackageManager.Apt => DebianVersion().IsMatch(version) ? null
                : Disallowed(version, Alphanumerics + ".+~-:")
                  ?? "a Debian version is [epoch:]upstream[-revision]: the upstream version starts with a digit and holds letters, digits and '.+~' (and '-' when a revision follows), the revision letters, digits and '.+~'",
            OsPackageManager.Apk => AlpineVersion().IsMatch(version) ? null
                : Disallowed(version, Alphanumerics + "._~-")
                  ?? "an Alpine version is digits separated by '.', then an optional letter, optional _alpha/_beta/_pre/_rc/_p suffixes and an optional -rN release, such as 1.2.3-r0",
            OsPackageManager.Tdnf => RpmVersion().IsMatch(version) ? null
                : Disallowed(version, Alphanumerics + "._+~-:")
                  ?? "an RPM version is [epoch:]version[-release], each part letters, digits and '._+~' starting with a letter or digit, such as 2024a-1.azl3",
            _ => throw new ArgumentOutOfRangeException(nameof(manager)),
        });

    private const string Alphanumerics = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    private const string ShellMetacharacters = "'\"`$;&|<>()[]{}*?!#~\\=%^";

    /// <summary>The checks every grammar shares: not empty, not too long, printable ASCII without white space.</summary>
    public static string? Common(string value)
    {
        if (value.Length == 0)
        {
            return "it is empty";
        }

        if (value.Length > MaxLength)
        {
            return $"it is longer than {MaxLength} characters";
        }

        foreach (var c in value)
        {
            if (c > '\x7f')
            {
                return $"it has the non-ASCII character {Describe(c)} (only ASCII letters, digits and punctuation are accepted; look-alikes of them are not)";
            }

            if (char.IsControl(c))
            {
                return $"it has the control character {Describe(c)} (a line break, say)";
            }

            if (c == ' ')
            {
                return "it has a space";
            }
        }

        return null;
    }

    /// <summary>The first character of <paramref name="value"/> outside <paramref name="allowed"/>, described.</summary>
    public static string? Disallowed(string value, string allowed)
    {
        foreach (var c in value)
        {
            if (!allowed.Contains(c, StringComparison.Ordinal))
            {
                return ShellMetacharacters.Contains(c, StringComparison.Ordinal)
                    ? $"it has {Describe(c)}, which is not allowed here (and is special to the shell)"
                    : $"it has {Describe(c)}, which is not allowed here";
            }
        }

        return null;
    }

    public static string Describe(char c) =>
        c is > ' ' and <= '\x7e'
            ? $"'{c}'"
            : string.Create(CultureInfo.InvariantCulture, $"U+{(int)c:X4}");
}
