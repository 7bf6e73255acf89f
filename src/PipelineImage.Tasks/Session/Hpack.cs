using System.Buffers;
using System.Text;

namespace PipelineImage.Session;

/// <summary>A header block that does not follow HPACK (RFC 7541): for HTTP/2 a connection error, COMPRESSION_ERROR.</summary>
internal sealed class HpackException(string message) : Exception("HPACK: " + message);

/// <summary>
/// Decodes HPACK header blocks (RFC 7541) for one connection: the dynamic table carries from one block to the next, so
/// every block the peer sends must pass through the same decoder, in order. After an <see cref="HpackException"/> the
/// table no longer matches the peer's and the connection must end.
/// </summary>
internal sealed class HpackDecoder
{
    private readonly int _sizeLimit;

    // Oldest first: dynamic index 1 (the newest entry) is the last item.
    private readonly List<(string Name, string Value)> _table = [];

    /// <param name="maxTableSize">The most octets the dynamic table may hold (our SETTINGS_HEADER_TABLE_SIZE): its
    /// starting size, and the largest size update the peer may ask for.</param>
    public HpackDecoder(int maxTableSize = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxTableSize);
        _sizeLimit = maxTableSize;
        MaxDynamicTableSize = maxTableSize;
    }

    /// <summary>The dynamic table's current maximum size in octets, as last set by the peer's size update.</summary>
    public int MaxDynamicTableSize { get; private set; }

    /// <summary>The dynamic table's size by the RFC's accounting: per entry, name octets + value octets + 32.</summary>
    public int DynamicTableSize { get; private set; }

    /// <summary>A copy of the dynamic table, newest entry (index 62) first.</summary>
    public IReadOnlyList<(string Name, string Value)> DynamicTable => Enumerable.Reverse(_table).ToArray();

    /// <summary>Decodes one complete header block (HEADERS and its CONTINUATION fragments, joined).</summary>
    /// <returns>The header fields in the order sent, names and values as Latin-1.</returns>
    /// <exception cref="HpackException">The block is malformed.</exception>
    public IReadOnlyList<(string Name, string Value)> Decode(ReadOnlySpan<byte> block)
    {
        var headers = new List<(string Name, string Value)>();
        var position = 0;
        while (position < block.Length)
        {
            var first = block[position];
            if ((first & 0x80) != 0)
            {
                // Indexed header field (6.1).
                headers.Add(Entry(ReadInteger(block, ref position, 7)));
            }
            else if ((first & 0x40) != 0)
            {
                // Literal header field with incremental indexing (6.2.1).
                var field = ReadLiteral(block, ref position, 6);
                Add(field);
                headers.Add(field);
            }
            else if ((first & 0x20) != 0)
            {
                // Dynamic table size update (6.3): only before the block's first field (4.2).
                if (headers.Count > 0)
                {
                    throw new HpackException("a dynamic table size update came after a header field; it must start the header block.");
                }

                var size = ReadInteger(block, ref position, 5);
                if (size > _sizeLimit)
                {
                    throw new HpackException($"a dynamic table size update asked for {size} octets, above the {_sizeLimit} allowed.");
                }

                MaxDynamicTableSize = size;
                Evict(0);
            }
            else
            {
                // Literal header field without indexing (0000xxxx, 6.2.2) or never indexed (0001xxxx, 6.2.3).
                headers.Add(ReadLiteral(block, ref position, 4));
            }
        }

        return headers;
    }

    private (string Name, string Value) ReadLiteral(ReadOnlySpan<byte> block, ref int position, int prefixBits)
    {
        var nameIndex = ReadInteger(block, ref position, prefixBits);
        var name = nameIndex == 0 ? ReadString(block, ref position) : Entry(nameIndex).Name;
        return (name, ReadString(block, ref position));
    }

    private (string Name, string Value) Entry(int index)
    {
        if (index == 0)
        {
            throw new HpackException("index 0 is not a table entry.");
        }

        if (index <= HpackStaticTable.Entries.Length)
        {
            return HpackStaticTable.Entries[index - 1];
        }

        var dynamicIndex = index - HpackStaticTable.Entries.Length;
        if (dynamicIndex > _table.Count)
        {
            throw new HpackException($"index {index} is past the tables ({HpackStaticTable.Entries.Length} static and {_table.Count} dynamic entries).");
        }

        return _table[^dynamicIndex];
    }

    private void Add((string Name, string Value) field)
    {
        var size = EntrySize(field);
        if (size > MaxDynamicTableSize)
        {
            // An entry larger than the table empties it and is not added (4.4).
            _table.Clear();
            DynamicTableSize = 0;
            return;
        }

        Evict(size);
        _table.Add(field);
        DynamicTableSize += size;
    }

    /// <summary>Evicts the oldest entries until <paramref name="room"/> more octets fit in the table (4.3, 4.4).</summary>
    private void Evict(int room)
    {
        var count = 0;
        while (DynamicTableSize + room > MaxDynamicTableSize && count < _table.Count)
        {
            DynamicTableSize -= EntrySize(_table[count]);
            count++;
        }

        _table.RemoveRange(0, count);
    }

    private static int EntrySize((string Name, string Value) field) => field.Name.Length + field.Value.Length + 32;

    /// <summary>An integer with an N-bit prefix (5.1), starting at the prefix's octet.</summary>
    private static int ReadInteger(ReadOnlySpan<byte> block, ref int position, int prefixBits)
    {
        var mask = (1 << prefixBits) - 1;
        var value = block[position++] & mask;
        if (value < mask)
        {
            return value;
        }

        long total = value;
        for (var shift = 0; ; shift += 7)
        {
            if (position >= block.Length)
            {
                throw new HpackException("the header block ends inside an integer.");
            }

            if (shift > 28)
            {
                throw new HpackException("an integer is too large.");
            }

            var octet = block[position++];
            total += (long)(octet & 0x7f) << shift;
            if (total > int.MaxValue)
            {
                throw new HpackException("an integer is too large.");
            }

            if ((octet & 0x80) == 0)
            {
                return (int)total;
            }
        }
    }

    /// <summary>A string literal (5.2): its length with a 7-bit prefix, then its octets, raw or Huffman-coded.</summary>
    private static string ReadString(ReadOnlySpan<byte> block, ref int position)
    {
        if (position >= block.Length)
        {
            throw new HpackException("the header block ends before a string literal.");
        }

        var huffman = (block[position] & 0x80) != 0;
        var length = ReadInteger(block, ref position, 7);
        if (length > block.Length - position)
        {
            throw new HpackException($"a string literal of {length} octets runs past the end of the header block.");
        }

        var octets = block.Slice(position, length);
        position += length;
        return huffman ? HpackHuffman.Decode(octets) : Encoding.Latin1.GetString(octets);
    }
}

/// <summary>
/// Encodes header blocks without state: every field is an exact static table entry (indexed, 6.1) or a literal
/// without indexing (6.2.2), its name by static index where the static table has it, its strings raw (no Huffman).
/// The peer's dynamic table stays empty, so the blocks of a connection may be encoded in any order.
/// </summary>
internal static class HpackEncoder
{
    // A non-negative int with any prefix takes at most 1 + ceil(31 / 7) octets.
    private const int MaxIntegerOctets = 6;

    /// <summary>Encodes one header block. HTTP/2 wants names in lower case; they are written as given.</summary>
    /// <exception cref="ArgumentException">A name or value holds a character above U+00FF (not one Latin-1 octet).</exception>
    public static byte[] Encode(IEnumerable<(string Name, string Value)> headers)
    {
        var output = new ArrayBufferWriter<byte>();
        Encode(headers, output);
        return output.WrittenSpan.ToArray();
    }

    /// <inheritdoc cref="Encode(IEnumerable{ValueTuple{string, string}})"/>
    public static void Encode(IEnumerable<(string Name, string Value)> headers, IBufferWriter<byte> output)
    {
        foreach (var (name, value) in headers)
        {
            if (HpackStaticTable.FieldIndex.TryGetValue((name, value), out var fieldIndex))
            {
                var indexed = output.GetSpan(MaxIntegerOctets);
                output.Advance(WriteInteger(indexed, fieldIndex, 7, 0x80));
                continue;
            }

            // At most: the name's index or a zero octet, each string's length, the strings.
            var span = output.GetSpan((3 * MaxIntegerOctets) + name.Length + value.Length);
            int written;
            if (HpackStaticTable.NameIndex.TryGetValue(name, out var nameIndex))
            {
                written = WriteInteger(span, nameIndex, 4, 0x00);
            }
            else
            {
                span[0] = 0x00;
                written = 1 + WriteString(span[1..], name);
            }

            written += WriteString(span[written..], value);
            output.Advance(written);
        }
    }

    private static int WriteInteger(Span<byte> span, int value, int prefixBits, byte flags)
    {
        var mask = (1 << prefixBits) - 1;
        if (value < mask)
        {
            span[0] = (byte)(flags | value);
            return 1;
        }

        span[0] = (byte)(flags | mask);
        value -= mask;
        var written = 1;
        while (value >= 0x80)
        {
            span[written++] = (byte)((value & 0x7f) | 0x80);
            value >>= 7;
        }

        span[written++] = (byte)value;
        return written;
    }

    private static int WriteString(Span<byte> span, string text)
    {
        var written = WriteInteger(span, text.Length, 7, 0x00);
        foreach (var character in text)
        {
            if (character > '\u00ff')
            {
                // The text itself stays out of the message: it may be a credential.
                throw new ArgumentException($"A header name or value holds U+{(int)character:X4}, which is not a Latin-1 octet.", nameof(text));
            }

            span[written++] = (byte)character;
        }

        return written;
    }
}

/// <summary>The static table (RFC 7541 Appendix A): index 1 is <c>Entries[0]</c>.</summary>
internal static class HpackStaticTable
{
    public static readonly (string Name, string Value)[] Entries =
    [
        (":authority", ""),
        (":method", "GET"),
        (":method", "POST"),
        (":path", "/"),
        (":path", "/index.html"),
        (":scheme", "http"),
        (":scheme", "https"),
        (":status", "200"),
        (":status", "204"),
        (":status", "206"),
        (":status", "304"),
        (":status", "400"),
        (":status", "404"),
        (":status", "500"),
        ("accept-charset", ""),
        ("accept-encoding", "gzip, deflate"),
        ("accept-language", ""),
        ("accept-ranges", ""),
        ("accept", ""),
        ("access-control-allow-origin", ""),
        ("age", ""),
        ("allow", ""),
        ("authorization", ""),
        ("cache-control", ""),
        ("content-disposition", ""),
        ("content-encoding", ""),
        ("content-language", ""),
        ("content-length", ""),
        ("content-location", ""),
        ("content-range", ""),
        ("content-type", ""),
        ("cookie", ""),
        ("date", ""),
        ("etag", ""),
        ("expect", ""),
        ("expires", ""),
        ("from", ""),
        ("host", ""),
        ("if-match", ""),
        ("if-modified-since", ""),
        ("if-none-match", ""),
        ("if-range", ""),
        ("if-unmodified-since", ""),
        ("last-modified", ""),
        ("link", ""),
        ("location", ""),
        ("max-forwards", ""),
        ("proxy-authenticate", ""),
        ("proxy-authorization", ""),
        ("range", ""),
        ("referer", ""),
        ("refresh", ""),
        ("retry-after", ""),
        ("server", ""),
        ("set-cookie", ""),
        ("strict-transport-security", ""),
        ("transfer-encoding", ""),
        ("user-agent", ""),
        ("vary", ""),
        ("via", ""),
        ("www-authenticate", ""),
    ];

    /// <summary>Each name's lowest index.</summary>
    public static readonly IReadOnlyDictionary<string, int> NameIndex = Entries
        .Select((entry, i) => (entry.Name, Index: i + 1))
        .DistinctBy(entry => entry.Name)
        .ToDictionary(entry => entry.Name, entry => entry.Index, StringComparer.Ordinal);

    /// <summary>The index of each entry with a value (an empty value is sent as a literal).</summary>
    public static readonly IReadOnlyDictionary<(string Name, string Value), int> FieldIndex = Entries
        .Select((entry, i) => (Entry: entry, Index: i + 1))
        .Where(entry => entry.Entry.Value.Length > 0)
        .ToDictionary(entry => entry.Entry, entry => entry.Index);
}

/// <summary>
/// The Huffman code of RFC 7541 Appendix B. The code is canonical (within each length, codes count up in symbol
/// order, and each length starts where the shorter one ended), so the bit lengths alone determine every code.
/// </summary>
internal static class HpackHuffman
{
    private const int EndOfString = 256;

    /// <summary>The code length in bits of symbols 0..255 and of EOS (256), as in Appendix B.</summary>
    private static ReadOnlySpan<byte> Lengths => new byte[]
    {
        13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, // 0x00
        28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28, // 0x10
        6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, // 0x20 ' '
        5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, // 0x30 '0'
        13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, // 0x40 '@'
        7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, // 0x50 'P'
        15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, // 0x60 '`'
        6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, // 0x70 'p'
        20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, // 0x80
        24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, // 0x90
        22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, // 0xa0
        21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, // 0xb0
        26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, // 0xc0
        19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, // 0xd0
        20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, // 0xe0
        26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, // 0xf0
        30, // EOS
    };

    /// <summary>Each symbol's code, right-aligned (as Appendix B prints it in hex).</summary>
    internal static readonly uint[] Codes = CanonicalCodes();

    // The decoding tree: node n's children are Tree[2n] (bit 0) and Tree[2n + 1] (bit 1); a positive child is a node,
    // a negative one the leaf ~symbol. The root is node 0, so 0 never is a child. 257 leaves need 256 nodes.
    private static readonly int[] Tree = BuildTree();

    /// <summary>The code length in bits of <paramref name="symbol"/> (0..256).</summary>
    internal static int Length(int symbol) => Lengths[symbol];

    /// <summary>Decodes a Huffman-coded string literal into Latin-1 text.</summary>
    /// <exception cref="HpackException">The string holds EOS, or ends in padding that is longer than 7 bits or not all ones.</exception>
    public static string Decode(ReadOnlySpan<byte> octets)
    {
        // The shortest code has 5 bits.
        var decoded = new byte[octets.Length * 8 / 5];
        var count = 0;
        var node = 0;
        var pendingBits = 0;
        var pendingAllOnes = true;
        foreach (var octet in octets)
        {
            for (var bit = 7; bit >= 0; bit--)
            {
                var one = (octet >> bit) & 1;
                var next = Tree[(2 * node) + one];
                pendingBits++;
                pendingAllOnes &= one == 1;
                if (next > 0)
                {
                    node = next;
                    continue;
                }

                var symbol = ~next;
                if (next == 0)
                {
                    // Unreachable: the code is complete, every node has both children.
                    throw new HpackException("a Huffman-coded string holds a bit sequence that is no code.");
                }

                if (symbol == EndOfString)
                {
                    throw new HpackException("a Huffman-coded string holds the end-of-string symbol.");
                }

                decoded[count++] = (byte)symbol;
                node = 0;
                pendingBits = 0;
                pendingAllOnes = true;
            }
        }

        // What is left must be padding: the start of EOS (all ones), shorter than an octet (5.2).
        if (pendingBits > 7)
        {
            throw new HpackException($"a Huffman-coded string ends in {pendingBits} bits of padding; at most 7 are allowed.");
        }

        if (!pendingAllOnes)
        {
            throw new HpackException("a Huffman-coded string ends in padding that is not all ones.");
        }

        return Encoding.Latin1.GetString(decoded, 0, count);
    }

    private static uint[] CanonicalCodes()
    {
        var codes = new uint[EndOfString + 1];
        var code = 0u;
        var codeLength = 0;
        var any = false;
        for (var length = 1; length <= 30; length++)
        {
            for (var symbol = 0; symbol <= EndOfString; symbol++)
            {
                if (Lengths[symbol] != length)
                {
                    continue;
                }

                if (any)
                {
                    code++;
                }

                code <<= length - codeLength;
                codeLength = length;
                any = true;
                codes[symbol] = code;
            }
        }

        return codes;
    }

    private static int[] BuildTree()
    {
        var tree = new int[2 * EndOfString];
        var nodes = 1;
        for (var symbol = 0; symbol <= EndOfString; symbol++)
        {
            var code = Codes[symbol];
            var node = 0;
            for (var bit = Lengths[symbol] - 1; bit > 0; bit--)
            {
                var slot = (2 * node) + (int)((code >> bit) & 1);
                if (tree[slot] == 0)
                {
                    tree[slot] = nodes++;
                }

                node = tree[slot];
            }

            tree[(2 * node) + (int)(code & 1)] = ~symbol;
        }

        return tree;
    }
}
