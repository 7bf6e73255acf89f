using System.Text.RegularExpressions;

namespace PipelineImage.Requirements;

/// <summary>
/// A pip requirement specifier: the subset of PEP 508 that names a package from an index,
/// <c>name[extra,...]op version,op version...</c> with the PEP 440 operators <c>== != &lt;= &gt;= &lt; &gt; ~= ===</c>.
/// Not accepted: white space anywhere (write <c>pandas&gt;=2.0,&lt;3</c>), environment markers (<c>; ...</c>: the
/// image has one platform and one Python, and <c>;</c> is a shell separator), direct references (<c>name @ url</c>,
/// URLs) and parenthesized specifiers. Requirements files (<c>-r</c>) may use all of pip's syntax.
/// Held normalized: the name and extras as PEP 503 canonical names, extras and specifier clauses sorted and
/// de-duplicated, so equal requirements compare and render equal.
/// </summary>
internal sealed partial record PipRequirement
{
    private PipRequirement(string name, IReadOnlyList<string> extras, IReadOnlyList<string> specifiers)
    {
        Name = name;
        Extras = extras;
        Specifiers = specifiers;
    }

    /// <summary>The PEP 503 canonical name: lower case, runs of <c>-_.</c> as one <c>-</c>.</summary>
    public string Name { get; }

    /// <summary>The extras, canonical, sorted.</summary>
    public IReadOnlyList<string> Extras { get; }

    /// <summary>The version clauses (<c>&gt;=2.0</c>), sorted.</summary>
    public IReadOnlyList<string> Specifiers { get; }

    public bool Equals(PipRequirement? other) => other is not null && ToString() == other.ToString();

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(ToString());

    /// <summary>The normalized specifier, as passed to pip.</summary>
    public override string ToString() =>
        Name + (Extras.Count > 0 ? "[" + string.Join(",", Extras) + "]" : "") + string.Join(",", Specifiers);

    private const string NamePattern = "[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?";

    [GeneratedRegex(@"\A(?<name>" + NamePattern + @")(?:\[(?<extras>" + NamePattern + "(?:," + NamePattern + @")*)?\])?(?<specifiers>(?:~=|==|!=|<=|>=|<|>).*)?\z")]
    private static partial Regex Requirement();

    [GeneratedRegex(@"\A(?<operator>===|~=|==|!=|<=|>=|<|>)(?<version>[A-Za-z0-9].*)\z")]
    private static partial Regex Clause();

    private const string Release = @"v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*";
    private const string Suffixes =
        @"(?:[-_.]?(?:alpha|beta|preview|pre|a|b|c|rc)[-_.]?[0-9]*)?(?:-[0-9]+|[-_.]?(?:post|rev|r)[-_.]?[0-9]*)?(?:[-_.]?dev[-_.]?[0-9]*)?";
    private const string Local = @"(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?";

    // The version patterns of the 'packaging' library's Specifier, per operator (matched on the lower-cased version).
    [GeneratedRegex(@"\A" + Release + @"(?:\.\*|" + Suffixes + Local + @")\z")]
    private static partial Regex EqualityVersion();

    [GeneratedRegex(@"\Av?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)+" + Suffixes + @"\z")]
    private static partial Regex CompatibleVersion();

    [GeneratedRegex(@"\A" + Release + Suffixes + @"\z")]
    private static partial Regex OrderedVersion();

    [GeneratedRegex(@"\A[A-Za-z0-9._+!-]+\z")]
    private static partial Regex ArbitraryVersion();

    [GeneratedRegex("[-_.]+")]
    private static partial Regex Separators();

    /// <summary>Parses a specifier; <paramref name="version"/> (Version metadata), when not empty, adds <c>==version</c>.</summary>
    /// <returns>The requirement, or null with <paramref name="problem"/> saying what is wrong.</returns>
    public static PipRequirement? Parse(string text, string version, out string? problem)
    {
        problem = null;
        if (text.Contains(';', StringComparison.Ordinal))
        {
            problem = "environment markers (';' and what follows) are not supported; drop the marker, or put the requirement in a requirements file";
        }

        if (problem is null && (text.Contains('@', StringComparison.Ordinal) || text.Contains("://", StringComparison.Ordinal)))
        {
            problem = "direct references ('name @ url') and URLs are not supported; use a requirements file, or PipelineImagePipFindLinks / PipelineImagePipIndexUrl";
        }

        problem ??= Grammar.Common(text);
        problem ??= Grammar.Disallowed(text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-[],~=!<>*+");
        var match = problem is null ? Requirement().Match(text) : null;
        if (problem is null && !match!.Success)
        {
            problem = "a pip requirement is a name, optional [extras] and optional version clauses separated by ',', such as pandas[excel]>=2.0,<3";
        }

        if (problem is not null)
        {
            return null;
        }

        var clauses = match!.Groups["specifiers"].Value is { Length: > 0 } given ? given.Split(',').ToList() : [];
        if (version.Length > 0)
        {
            if (clauses.Count > 0)
            {
                problem = "it has a version clause and Version metadata as well; give the version in one place";
                return null;
            }

            var common = Grammar.Common(version);
            if (common is not null || !EqualityVersion().IsMatch(version.ToLowerInvariant()))
            {
                problem = $"its Version metadata '{version}' is not a PEP 440 version (such as 2.0.1)"
                          + (common is not null ? $": {common}" : "; write ranges in the Include instead, such as pandas>=2.0,<3");
                return null;
            }

            clauses.Add("==" + version);
        }

        foreach (var clause in clauses)
        {
            problem = ClauseProblem(clause);
            if (problem is not null)
            {
                return null;
            }
        }

        var extras = match.Groups["extras"].Success
            ? match.Groups["extras"].Value.Split(',').Select(Canonical).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList()
            : [];
        return new PipRequirement(
            Canonical(match.Groups["name"].Value),
            extras,
            clauses.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList());
    }

    /// <summary>PEP 503 normalization.</summary>
    public static string Canonical(string name) => Separators().Replace(name.ToLowerInvariant(), "-");

    private static string? ClauseProblem(string clause)
    {
        if (Grammar.Common(clause) is { } common)
        {
            return $"the version clause '{clause}' is not usable: {common}";
        }

        var match = Clause().Match(clause);
        if (!match.Success)
        {
            return $"'{clause}' is not a version clause (an operator ==, !=, <=, >=, <, >, ~= or === and a version)";
        }

        var op = match.Groups["operator"].Value;
        var version = match.Groups["version"].Value.ToLowerInvariant();
        var valid = op switch
        {
            "===" => ArbitraryVersion().IsMatch(version),
            "==" or "!=" => EqualityVersion().IsMatch(version),
            "~=" => CompatibleVersion().IsMatch(version),
            _ => OrderedVersion().IsMatch(version),
        };
        return valid ? null : op switch
        {
            "==" or "!=" => $"'{clause}' does not have a PEP 440 version (such as 2.0, 2.0.1rc1, 2.0.post1, 2.0+local or a 2.* prefix)",
            "~=" => $"'{clause}' does not have a PEP 440 version with at least two release numbers (such as ~=2.1)",
            "===" => $"'{clause}' has characters a version cannot hold",
            _ => $"'{clause}' does not have a PEP 440 version without '*' or a local part (such as {op}2.0)",
        };
    }
}
