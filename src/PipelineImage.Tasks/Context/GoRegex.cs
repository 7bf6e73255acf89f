using System.Globalization;

namespace PipelineImage.Context;

/// <summary>
/// A matcher for the regular expressions moby's patternmatcher generates from .dockerignore patterns, with the
/// meaning Go's <c>regexp</c> (RE2 syntax, Perl flags) gives them. The generated text passes the pattern's
/// <c>[</c>, <c>]</c>, <c>^</c> and <c>\x</c> escapes through to the regex engine unchanged, so a faithful port
/// must parse them as RE2 does (POSIX <c>[:alpha:]</c> classes, <c>\d</c>, <c>\pL</c>, <c>\b</c>, <c>\Q...\E</c>,
/// octal and hex escapes, and RE2's errors). .NET's <see cref="System.Text.RegularExpressions.Regex"/> differs in
/// all of these and in <c>$</c> (which also matches before a final newline) and in working on UTF-16 code units
/// rather than code points, so this class parses the RE2 syntax itself and runs a Thompson-style NFA over code
/// points. It answers Go's <c>MatchString</c>: whether the expression matches anywhere in the text.
/// </summary>
internal sealed class GoRegex
{
    private readonly Inst[] _program;

    private GoRegex(Inst[] program) => _program = program;

    /// <summary>Parses <paramref name="expression"/> as Go's <c>regexp.Compile</c> would, or says why Go rejects it.</summary>
    public static GoRegex Compile(string expression)
    {
        var parser = new Parser(GoStandardLibrary.CodePoints(expression));
        var tree = parser.ParseAll();
        var program = new List<Inst>();
        Emit(tree, program);
        program.Add(new Inst(OpCode.Match));
        return new GoRegex(program.ToArray());
    }

    /// <summary>Go's <c>(*Regexp).MatchString</c>: true when a substring of <paramref name="text"/> matches.</summary>
    public bool IsMatch(string text)
    {
        var input = GoStandardLibrary.CodePoints(text);
        var current = new List<int>();
        var currentVisited = new HashSet<int>();
        for (var position = 0; ; position++)
        {
            // Unanchored search: a new attempt starts at every position.
            if (AddThread(current, currentVisited, 0, input, position))
            {
                return true;
            }

            if (position == input.Length)
            {
                return false;
            }

            var next = new List<int>();
            var nextVisited = new HashSet<int>();
            foreach (var pc in current)
            {
                if (_program[pc].Set!.Contains(input[position])
                    && AddThread(next, nextVisited, pc + 1, input, position + 1))
                {
                    return true;
                }
            }

            current = next;
            currentVisited = nextVisited;
        }
    }

    // Follows the empty-width instructions from pc at this position and collects the Char instructions reached.
    // True when Match is reached.
    private bool AddThread(List<int> threads, HashSet<int> visited, int pc, int[] input, int position)
    {
        var pending = new Stack<int>();
        pending.Push(pc);
        while (pending.Count > 0)
        {
            var at = pending.Pop();
            if (!visited.Add(at))
            {
                continue;
            }

            var inst = _program[at];
            switch (inst.Op)
            {
                case OpCode.Match:
                    return true;
                case OpCode.Char:
                    threads.Add(at);
                    break;
                case OpCode.Jump:
                    pending.Push(inst.X);
                    break;
                case OpCode.Split:
                    pending.Push(inst.Y);
                    pending.Push(inst.X);
                    break;
                case OpCode.Assert:
                    if (Holds(inst.Assertion, input, position))
                    {
                        pending.Push(at + 1);
                    }

                    break;
            }
        }

        return false;
    }

    private static bool Holds(Assertion assertion, int[] input, int position)
    {
        switch (assertion)
        {
            case Assertion.BeginText:
                return position == 0;
            case Assertion.EndText:
                return position == input.Length;
            default:
                // RE2's \b is ASCII-only: [0-9A-Za-z_].
                var before = position > 0 && IsWordChar(input[position - 1]);
                var after = position < input.Length && IsWordChar(input[position]);
                return (before != after) == (assertion == Assertion.WordBoundary);
        }
    }

    private static bool IsWordChar(int c) =>
        c is >= '0' and <= '9' or >= 'A' and <= 'Z' or >= 'a' and <= 'z' or '_';

    private static void Emit(Node node, List<Inst> program)
    {
        switch (node)
        {
            case CharNode c:
                program.Add(new Inst(OpCode.Char) { Set = c.Set });
                break;
            case AssertNode a:
                program.Add(new Inst(OpCode.Assert) { Assertion = a.Kind });
                break;
            case ConcatNode concat:
                foreach (var part in concat.Parts)
                {
                    Emit(part, program);
                }

                break;
            case RepeatNode repeat:
                EmitRepeat(repeat, program);
                break;
        }
    }

    private static void EmitRepeat(RepeatNode repeat, List<Inst> program)
    {
        // Greediness does not change whether a match exists, which is all MatchString reports.
        var split = program.Count;
        program.Add(new Inst(OpCode.Split));
        if (repeat.Kind == '+')
        {
            // e+ is e e*.
            program.RemoveAt(split);
            Emit(repeat.Sub, program);
            EmitRepeat(repeat with { Kind = '*' }, program);
            return;
        }

        Emit(repeat.Sub, program);
        if (repeat.Kind == '*')
        {
            program.Add(new Inst(OpCode.Jump) { X = split });
        }

        program[split] = program[split] with { X = split + 1, Y = program.Count };
    }

    private enum OpCode
    {
        Char,
        Split,
        Jump,
        Assert,
        Match,
    }

    private enum Assertion
    {
        BeginText,
        EndText,
        WordBoundary,
        NoWordBoundary,
    }

    private sealed record Inst(OpCode Op)
    {
        public CharSet? Set { get; init; }

        public Assertion Assertion { get; init; }

        public int X { get; init; }

        public int Y { get; init; }
    }

    private abstract record Node;

    private sealed record CharNode(CharSet Set) : Node;

    private sealed record AssertNode(Assertion Kind) : Node;

    private sealed record ConcatNode(List<Node> Parts) : Node;

    private sealed record RepeatNode(Node Sub, char Kind) : Node;

    /// <summary>A set of code points: a union of ranges and predicates, possibly negated.</summary>
    private sealed class CharSet
    {
        private readonly List<Func<int, bool>> _members = [];

        public bool Negated { get; set; }

        public static CharSet Single(int c)
        {
            var set = new CharSet();
            set.AddRange(c, c);
            return set;
        }

        public void AddRange(int lo, int hi) => _members.Add(c => c >= lo && c <= hi);

        public void Add(Func<int, bool> member) => _members.Add(member);

        public bool Contains(int c)
        {
            var inAny = false;
            foreach (var member in _members)
            {
                if (member(c))
                {
                    inAny = true;
                    break;
                }
            }

            return inAny != Negated;
        }
    }

    /// <summary>The RE2 parser, for the flags <c>regexp.Compile</c> uses (Perl: one-line, ClassNL, PerlX, Unicode groups).</summary>
    private sealed class Parser(int[] s)
    {
        private const int MaxRune = 0x10FFFF;
        private int _i;

        public Node ParseAll()
        {
            var node = ParseSequence(topLevel: true);
            return node;
        }

        private Node ParseSequence(bool topLevel)
        {
            var parts = new List<Node>();
            var lastWasRepeat = false;
            while (_i < s.Length)
            {
                var c = s[_i];
                var isRepeat = false;
                switch (c)
                {
                    case '(':
                        if (_i + 1 < s.Length && s[_i + 1] == '?')
                        {
                            throw Error("'(?' groups are not produced from .dockerignore patterns");
                        }

                        _i++;
                        parts.Add(ParseSequence(topLevel: false));
                        break;
                    case ')':
                        if (topLevel)
                        {
                            throw Error("unexpected )");
                        }

                        _i++;
                        return new ConcatNode(parts);
                    case '|':
                        throw Error("'|' is not produced from .dockerignore patterns");
                    case '^':
                        _i++;
                        parts.Add(new AssertNode(Assertion.BeginText));
                        break;
                    case '$':
                        _i++;
                        parts.Add(new AssertNode(Assertion.EndText));
                        break;
                    case '.':
                        _i++;
                        var notNewline = new CharSet { Negated = true };
                        notNewline.AddRange('\n', '\n');
                        parts.Add(new CharNode(notNewline));
                        break;
                    case '[':
                        parts.Add(new CharNode(ParseClass()));
                        break;
                    case '*' or '+' or '?':
                        if (lastWasRepeat)
                        {
                            throw Error("invalid nested repetition operator");
                        }

                        if (parts.Count == 0)
                        {
                            throw Error("missing argument to repetition operator");
                        }

                        _i++;
                        if (_i < s.Length && s[_i] == '?')
                        {
                            _i++; // non-greedy: same set of matches
                        }

                        parts[^1] = new RepeatNode(parts[^1], (char)c);
                        isRepeat = true;
                        break;
                    case '\\':
                        ParseBackslash(parts);
                        break;
                    default:
                        _i++;
                        parts.Add(new CharNode(CharSet.Single(c)));
                        break;
                }

                lastWasRepeat = isRepeat;
            }

            if (!topLevel)
            {
                throw Error("missing closing )");
            }

            return new ConcatNode(parts);
        }

        private void ParseBackslash(List<Node> parts)
        {
            if (_i + 1 < s.Length)
            {
                switch (s[_i + 1])
                {
                    case 'A':
                        _i += 2;
                        parts.Add(new AssertNode(Assertion.BeginText));
                        return;
                    case 'b':
                        _i += 2;
                        parts.Add(new AssertNode(Assertion.WordBoundary));
                        return;
                    case 'B':
                        _i += 2;
                        parts.Add(new AssertNode(Assertion.NoWordBoundary));
                        return;
                    case 'C':
                        throw Error("invalid escape sequence \\C");
                    case 'z':
                        _i += 2;
                        parts.Add(new AssertNode(Assertion.EndText));
                        return;
                    case 'Q':
                        // \Q...\E: everything up to \E (or the end) is literal.
                        _i += 2;
                        while (_i < s.Length)
                        {
                            if (s[_i] == '\\' && _i + 1 < s.Length && s[_i + 1] == 'E')
                            {
                                _i += 2;
                                break;
                            }

                            parts.Add(new CharNode(CharSet.Single(s[_i])));
                            _i++;
                        }

                        return;
                }
            }

            var set = new CharSet();
            if (TryParseUnicodeClass(set) || TryParsePerlClass(set))
            {
                parts.Add(new CharNode(set));
                return;
            }

            parts.Add(new CharNode(CharSet.Single(ParseEscape())));
        }

        private CharSet ParseClass()
        {
            _i++; // [
            var set = new CharSet();
            if (_i < s.Length && s[_i] == '^')
            {
                set.Negated = true;
                _i++;
            }

            var first = true;
            while (_i >= s.Length || s[_i] != ']' || first)
            {
                first = false;
                if (_i + 2 < s.Length && s[_i] == '[' && s[_i + 1] == ':' && TryParseNamedClass(set))
                {
                    continue;
                }

                if (TryParseUnicodeClass(set) || TryParsePerlClass(set))
                {
                    continue;
                }

                var lo = ParseClassChar();
                var hi = lo;
                if (_i + 1 < s.Length && s[_i] == '-' && s[_i + 1] != ']')
                {
                    _i++;
                    hi = ParseClassChar();
                    if (hi < lo)
                    {
                        throw Error($"invalid character class range {char.ConvertFromUtf32(lo)}-{char.ConvertFromUtf32(hi)}");
                    }
                }

                set.AddRange(lo, hi);
            }

            _i++; // ]
            return set;
        }

        private int ParseClassChar()
        {
            if (_i >= s.Length)
            {
                throw Error("missing closing ]");
            }

            if (s[_i] == '\\')
            {
                return ParseEscape();
            }

            return s[_i++];
        }

        // [:alnum:] and friends, [:^alnum:] negated. Unknown names are errors once a ':]' closes them.
        private bool TryParseNamedClass(CharSet set)
        {
            var close = -1;
            for (var j = _i + 2; j + 1 < s.Length; j++)
            {
                if (s[j] == ':' && s[j + 1] == ']')
                {
                    close = j;
                    break;
                }
            }

            if (close < 0)
            {
                return false;
            }

            var name = new string(s[(_i + 2)..close].Select(c => (char)c).ToArray());
            var negated = name.StartsWith('^');
            if (negated)
            {
                name = name[1..];
            }

            Func<int, bool>? member = name switch
            {
                "alnum" => c => c is >= '0' and <= '9' or >= 'A' and <= 'Z' or >= 'a' and <= 'z',
                "alpha" => c => c is >= 'A' and <= 'Z' or >= 'a' and <= 'z',
                "ascii" => c => c is >= 0 and <= 0x7F,
                "blank" => c => c is '\t' or ' ',
                "cntrl" => c => c is >= 0 and <= 0x1F or 0x7F,
                "digit" => c => c is >= '0' and <= '9',
                "graph" => c => c is >= '!' and <= '~',
                "lower" => c => c is >= 'a' and <= 'z',
                "print" => c => c is >= ' ' and <= '~',
                "punct" => c => c is >= '!' and <= '/' or >= ':' and <= '@' or >= '[' and <= '`' or >= '{' and <= '~',
                "space" => c => c is '\t' or '\n' or '\v' or '\f' or '\r' or ' ',
                "upper" => c => c is >= 'A' and <= 'Z',
                "word" => c => c is >= '0' and <= '9' or >= 'A' and <= 'Z' or >= 'a' and <= 'z' or '_',
                "xdigit" => c => c is >= '0' and <= '9' or >= 'A' and <= 'F' or >= 'a' and <= 'f',
                _ => null,
            };
            if (member is null)
            {
                throw Error($"invalid character class range [:{name}:]");
            }

            set.Add(negated ? c => !member(c) : member);
            _i = close + 2;
            return true;
        }

        // \d \s \w and their negations \D \S \W, ASCII-only as in RE2.
        private bool TryParsePerlClass(CharSet set)
        {
            if (_i + 1 >= s.Length || s[_i] != '\\')
            {
                return false;
            }

            Func<int, bool>? member = char.ToLowerInvariant((char)s[_i + 1]) switch
            {
                'd' => c => c is >= '0' and <= '9',
                's' => c => c is '\t' or '\n' or '\f' or '\r' or ' ',
                'w' => c => c is >= '0' and <= '9' or >= 'A' and <= 'Z' or >= 'a' and <= 'z' or '_',
                _ => null,
            };
            if (member is null || s[_i + 1] > 0x7F)
            {
                return false;
            }

            set.Add(char.IsUpper((char)s[_i + 1]) ? c => !member(c) : member);
            _i += 2;
            return true;
        }

        // \pX and \PX. Braced names (\p{Greek}) cannot reach here: moby escapes '{' to '\{', which RE2 then reads
        // as the one-letter name '\' and rejects.
        private bool TryParseUnicodeClass(CharSet set)
        {
            if (_i + 1 >= s.Length || s[_i] != '\\' || (s[_i + 1] != 'p' && s[_i + 1] != 'P'))
            {
                return false;
            }

            var negated = s[_i + 1] == 'P';
            if (_i + 2 >= s.Length)
            {
                // Go's nextRune on an empty string yields RuneError, which names no class.
                throw Error($"invalid character class range \\{(char)s[_i + 1]}");
            }

            var nameRune = s[_i + 2];
            if (nameRune == '{')
            {
                throw Error("invalid character class range: braced \\p{...} names are not supported here");
            }

            // Go canonicalises the name (first letter upper-cased) since Go 1.25.
            var name = nameRune is >= 'a' and <= 'z' ? (char)(nameRune - 'a' + 'A') : nameRune;
            UnicodeCategory[]? categories = name switch
            {
                'L' => [UnicodeCategory.UppercaseLetter, UnicodeCategory.LowercaseLetter, UnicodeCategory.TitlecaseLetter,
                    UnicodeCategory.ModifierLetter, UnicodeCategory.OtherLetter],
                'M' => [UnicodeCategory.NonSpacingMark, UnicodeCategory.SpacingCombiningMark, UnicodeCategory.EnclosingMark],
                'N' => [UnicodeCategory.DecimalDigitNumber, UnicodeCategory.LetterNumber, UnicodeCategory.OtherNumber],
                'P' => [UnicodeCategory.ConnectorPunctuation, UnicodeCategory.DashPunctuation, UnicodeCategory.OpenPunctuation,
                    UnicodeCategory.ClosePunctuation, UnicodeCategory.InitialQuotePunctuation,
                    UnicodeCategory.FinalQuotePunctuation, UnicodeCategory.OtherPunctuation],
                'S' => [UnicodeCategory.MathSymbol, UnicodeCategory.CurrencySymbol, UnicodeCategory.ModifierSymbol,
                    UnicodeCategory.OtherSymbol],
                'Z' => [UnicodeCategory.SpaceSeparator, UnicodeCategory.LineSeparator, UnicodeCategory.ParagraphSeparator],
                'C' => [UnicodeCategory.Control, UnicodeCategory.Format, UnicodeCategory.Surrogate, UnicodeCategory.PrivateUse],
                _ => null,
            };
            if (categories is null)
            {
                throw Error($"invalid character class range \\{(char)s[_i + 1]}{char.ConvertFromUtf32(nameRune)}");
            }

            bool Member(int c) =>
                c is >= 0 and <= MaxRune && Array.IndexOf(categories, CategoryOf(c)) >= 0;
            set.Add(negated ? c => !Member(c) : Member);
            _i += 3;
            return true;
        }

        private static UnicodeCategory CategoryOf(int c) =>
            c is >= 0xD800 and <= 0xDFFF ? UnicodeCategory.Surrogate : CharUnicodeInfo.GetUnicodeCategory(c);

        // RE2's parseEscape: punctuation escapes itself; octal, \x hex and C escapes; anything else is an error.
        private int ParseEscape()
        {
            var start = _i;
            _i++; // backslash
            if (_i >= s.Length)
            {
                throw Error("trailing backslash at end of expression");
            }

            var c = s[_i++];
            switch (c)
            {
                case >= '1' and <= '7' when _i < s.Length && s[_i] is >= '0' and <= '7':
                case '0':
                {
                    var value = c - '0';
                    for (var n = 1; n < 3 && _i < s.Length && s[_i] is >= '0' and <= '7'; n++)
                    {
                        value = value * 8 + (s[_i++] - '0');
                    }

                    return value;
                }

                case 'x':
                {
                    if (_i >= s.Length)
                    {
                        break;
                    }

                    var first = s[_i++];
                    if (first == '{')
                    {
                        var value = 0;
                        var digits = 0;
                        while (true)
                        {
                            if (_i >= s.Length)
                            {
                                throw InvalidEscape(start);
                            }

                            var d = s[_i++];
                            if (d == '}')
                            {
                                break;
                            }

                            var v = Unhex(d);
                            if (v < 0)
                            {
                                throw InvalidEscape(start);
                            }

                            value = value * 16 + v;
                            if (value > MaxRune)
                            {
                                throw InvalidEscape(start);
                            }

                            digits++;
                        }

                        if (digits == 0)
                        {
                            throw InvalidEscape(start);
                        }

                        return value;
                    }

                    var second = _i < s.Length ? s[_i++] : -1;
                    var x = Unhex(first);
                    var y = second < 0 ? -1 : Unhex(second);
                    if (x < 0 || y < 0)
                    {
                        break;
                    }

                    return x * 16 + y;
                }

                case 'a':
                    return 7;
                case 'f':
                    return '\f';
                case 'n':
                    return '\n';
                case 'r':
                    return '\r';
                case 't':
                    return '\t';
                case 'v':
                    return '\v';
                default:
                    if (c < 0x80 && !(c is >= '0' and <= '9' or >= 'A' and <= 'Z' or >= 'a' and <= 'z'))
                    {
                        return c;
                    }

                    break;
            }

            throw InvalidEscape(start);
        }

        private static int Unhex(int c) => c switch
        {
            >= '0' and <= '9' => c - '0',
            >= 'a' and <= 'f' => c - 'a' + 10,
            >= 'A' and <= 'F' => c - 'A' + 10,
            _ => -1,
        };

        private FormatException InvalidEscape(int start) =>
            Error("invalid escape sequence " + Text(start, Math.Min(_i, s.Length)));

        private string Text(int from, int to) =>
            string.Concat(s[from..to].Select(char.ConvertFromUtf32));

        private static FormatException Error(string message) => new(message);
    }
}
