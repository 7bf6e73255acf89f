namespace PipelineImage.Context;

/// <summary>
/// The few pieces of Go's standard library whose exact behaviour .dockerignore handling depends on, on a Unix
/// host (where BuildKit and the Linux CLI run): <c>strings.TrimSpace</c>, <c>path/filepath.Clean</c> and
/// <c>Dir</c>, and the syntax check that <c>filepath.Match</c> performs.
/// </summary>
internal static class GoStandardLibrary
{
    /// <summary>Go's <c>unicode.IsSpace</c>: the Unicode White_Space property.</summary>
    public static bool IsSpace(char c) => c switch
    {
        '\t' or '\n' or '\v' or '\f' or '\r' or ' ' or '\u0085' or '\u00A0' or '\u1680' => true,
        >= '\u2000' and <= '\u200A' => true,
        '\u2028' or '\u2029' or '\u202F' or '\u205F' or '\u3000' => true,
        _ => false,
    };

    /// <summary>Go's <c>strings.TrimSpace</c>.</summary>
    public static string TrimSpace(string s)
    {
        var start = 0;
        var end = s.Length;
        while (start < end && IsSpace(s[start]))
        {
            start++;
        }

        while (end > start && IsSpace(s[end - 1]))
        {
            end--;
        }

        return s.Substring(start, end - start);
    }

    /// <summary>
    /// Go's <c>filepath.Clean</c> with <c>/</c> as separator: collapses repeated slashes, drops <c>.</c> elements
    /// and trailing slashes, resolves <c>name/..</c>, drops <c>..</c> right after the root, and gives <c>.</c>
    /// for an empty result.
    /// </summary>
    public static string Clean(string path)
    {
        if (path.Length == 0)
        {
            return ".";
        }

        var rooted = path[0] == '/';
        var kept = new List<string>();
        foreach (var element in path.Split('/'))
        {
            if (element.Length == 0 || element == ".")
            {
                continue;
            }

            if (element == "..")
            {
                if (kept.Count > 0 && kept[^1] != "..")
                {
                    kept.RemoveAt(kept.Count - 1);
                }
                else if (!rooted)
                {
                    kept.Add(element);
                }

                continue;
            }

            kept.Add(element);
        }

        var joined = string.Join('/', kept);
        if (rooted)
        {
            return "/" + joined;
        }

        return joined.Length == 0 ? "." : joined;
    }

    /// <summary>Go's <c>filepath.Dir</c>: everything before the last slash, cleaned (so <c>.</c> for none).</summary>
    public static string Dir(string path)
    {
        var lastSlash = path.LastIndexOf('/');
        return Clean(path.Substring(0, lastSlash + 1));
    }

    /// <summary>The string's Unicode code points (a lone surrogate stands for itself).</summary>
    public static int[] CodePoints(string s)
    {
        var result = new List<int>(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                result.Add(char.ConvertToUtf32(s[i], s[i + 1]));
                i++;
            }
            else
            {
                result.Add(s[i]);
            }
        }

        return result.ToArray();
    }

    /// <summary>
    /// The error <c>filepath.Match(pattern, ".")</c> would report (Go checks the whole pattern's syntax whatever the
    /// name), or null. Go's glob syntax: <c>\</c> escapes the next character and may not end the pattern; a class
    /// is <c>[</c>, an optional <c>^</c>, then one or more characters or <c>lo-hi</c> ranges, then <c>]</c>, where
    /// an unescaped <c>-</c> or <c>]</c> cannot be a class character.
    /// </summary>
    public static string? GlobSyntaxError(string pattern)
    {
        var p = CodePoints(pattern);
        var i = 0;
        while (i < p.Length)
        {
            switch (p[i])
            {
                case '\\':
                    if (i + 1 >= p.Length)
                    {
                        return "it ends with an escaping '\\' that has nothing to escape";
                    }

                    i += 2;
                    break;
                case '[':
                    var error = SkipClass(p, ref i);
                    if (error is not null)
                    {
                        return error;
                    }

                    break;
                default:
                    i++;
                    break;
            }
        }

        return null;
    }

    private static string? SkipClass(int[] p, ref int i)
    {
        i++;
        if (i < p.Length && p[i] == '^')
        {
            i++;
        }

        var items = 0;
        while (true)
        {
            if (i < p.Length && p[i] == ']' && items > 0)
            {
                i++;
                return null;
            }

            var error = SkipClassChar(p, ref i);
            if (error is not null)
            {
                return error;
            }

            if (p[i] == '-')
            {
                i++;
                error = SkipClassChar(p, ref i);
                if (error is not null)
                {
                    return error;
                }
            }

            items++;
        }
    }

    private static string? SkipClassChar(int[] p, ref int i)
    {
        if (i >= p.Length)
        {
            return "a '[' character class is not closed with ']'";
        }

        if (p[i] == '-' || p[i] == ']')
        {
            return $"'{(char)p[i]}' stands unescaped where a '[...]' character class needs a character (write '\\{(char)p[i]}')";
        }

        if (p[i] == '\\')
        {
            i++;
            if (i >= p.Length)
            {
                return "a '[' character class is not closed with ']'";
            }
        }

        i++;
        return i >= p.Length ? "a '[' character class is not closed with ']'" : null;
    }
}
