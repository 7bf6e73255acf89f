using PipelineImage.Session;

namespace PipelineImage.Tests.Session;

/// <summary>HPACK against the examples of RFC 7541 Appendix C, a round trip of our encoder, and malformed blocks.</summary>
public sealed class HpackTests
{
    private const string Date21 = "Mon, 21 Oct 2013 20:13:21 GMT";
    private const string Date22 = "Mon, 21 Oct 2013 20:13:22 GMT";
    private const string Cookie = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";

    // C.3 (raw strings) and C.4 (Huffman): three requests on one connection, table size 4096.
    private static readonly string[] RawRequests =
    [
        "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
        "8286 84be 5808 6e6f 2d63 6163 6865",
        "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
    ];

    private static readonly string[] HuffmanRequests =
    [
        "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
        "8286 84be 5886 a8eb 1064 9cbf",
        "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
    ];

    // C.5 (raw strings) and C.6 (Huffman): three responses on one connection, table size 256, with evictions.
    private static readonly string[] RawResponses =
    [
        "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d "
            + "546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
        "4803 3330 37c1 c0bf",
        "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 666f "
            + "6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 "
            + "303b 2076 6572 7369 6f6e 3d31",
    ];

    private static readonly string[] HuffmanResponses =
    [
        "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 "
            + "8f0b 97c8 e9ae 82ae 43d3",
        "4883 640e ffc1 c0bf",
        "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 "
            + "dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07",
    ];

    [Theory]
    [InlineData("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572", "custom-key", "custom-header", 55)] // C.2.1
    [InlineData("040c 2f73 616d 706c 652f 7061 7468", ":path", "/sample/path", 0)] // C.2.2
    [InlineData("1008 7061 7373 776f 7264 0673 6563 7265 74", "password", "secret", 0)] // C.2.3
    [InlineData("82", ":method", "GET", 0)] // C.2.4
    public void TheFieldRepresentationsOfAppendixC2Decode(string hex, string name, string value, int tableSize)
    {
        var decoder = new HpackDecoder();

        var headers = decoder.Decode(Bytes(hex));

        Assert.Equal([(name, value)], headers);
        Assert.Equal(tableSize, decoder.DynamicTableSize);
        Assert.Equal(tableSize == 0 ? [] : [(name, value)], decoder.DynamicTable);
    }

    [Theory]
    [InlineData(false)] // C.3
    [InlineData(true)] // C.4
    public void TheRequestsOfAppendixC3AndC4DecodeWithTheDynamicTableCarriedAcross(bool huffman)
    {
        var blocks = huffman ? HuffmanRequests : RawRequests;
        var decoder = new HpackDecoder(4096);

        Assert.Equal(
            [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com")],
            decoder.Decode(Bytes(blocks[0])));
        Assert.Equal([(":authority", "www.example.com")], decoder.DynamicTable);
        Assert.Equal(57, decoder.DynamicTableSize);

        Assert.Equal(
            [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com"), ("cache-control", "no-cache")],
            decoder.Decode(Bytes(blocks[1])));
        Assert.Equal([("cache-control", "no-cache"), (":authority", "www.example.com")], decoder.DynamicTable);
        Assert.Equal(110, decoder.DynamicTableSize);

        Assert.Equal(
            [(":method", "GET"), (":scheme", "https"), (":path", "/index.html"), (":authority", "www.example.com"), ("custom-key", "custom-value")],
            decoder.Decode(Bytes(blocks[2])));
        Assert.Equal([("custom-key", "custom-value"), ("cache-control", "no-cache"), (":authority", "www.example.com")], decoder.DynamicTable);
        Assert.Equal(164, decoder.DynamicTableSize);
    }

    [Theory]
    [InlineData(false)] // C.5
    [InlineData(true)] // C.6
    public void TheResponsesOfAppendixC5AndC6DecodeWithEvictionFromA256OctetTable(bool huffman)
    {
        var blocks = huffman ? HuffmanResponses : RawResponses;
        var decoder = new HpackDecoder(256);

        Assert.Equal(
            [(":status", "302"), ("cache-control", "private"), ("date", Date21), ("location", "https://www.example.com")],
            decoder.Decode(Bytes(blocks[0])));
        Assert.Equal(
            [("location", "https://www.example.com"), ("date", Date21), ("cache-control", "private"), (":status", "302")],
            decoder.DynamicTable);
        Assert.Equal(222, decoder.DynamicTableSize);

        // ":status: 307" evicts ":status: 302".
        Assert.Equal(
            [(":status", "307"), ("cache-control", "private"), ("date", Date21), ("location", "https://www.example.com")],
            decoder.Decode(Bytes(blocks[1])));
        Assert.Equal(
            [(":status", "307"), ("location", "https://www.example.com"), ("date", Date21), ("cache-control", "private")],
            decoder.DynamicTable);
        Assert.Equal(222, decoder.DynamicTableSize);

        // The new date evicts "cache-control" and "date"; "content-encoding" and "set-cookie" evict the rest.
        Assert.Equal(
            [(":status", "200"), ("cache-control", "private"), ("date", Date22), ("location", "https://www.example.com"), ("content-encoding", "gzip"), ("set-cookie", Cookie)],
            decoder.Decode(Bytes(blocks[2])));
        Assert.Equal([("set-cookie", Cookie), ("content-encoding", "gzip"), ("date", Date22)], decoder.DynamicTable);
        Assert.Equal(215, decoder.DynamicTableSize);
    }

    [Theory]
    [InlineData("2a", 10)] // C.1.1: 10 with a 5-bit prefix
    [InlineData("3f9a 0a", 1337)] // C.1.2: 1337 with a 5-bit prefix
    [InlineData("3fe1 1f", 4096)] // the largest the decoder allows
    [InlineData("20", 0)]
    public void ASizeUpdateSetsTheTableSizeWithinTheLimit(string hex, int size)
    {
        var decoder = new HpackDecoder(4096);

        Assert.Empty(decoder.Decode(Bytes(hex)));

        Assert.Equal(size, decoder.MaxDynamicTableSize);
    }

    [Fact]
    public void ShrinkingTheTableEvictsAndAnEntryLargerThanTheTableEmptiesIt()
    {
        var decoder = new HpackDecoder(4096);
        decoder.Decode(Bytes(RawRequests[0]));
        decoder.Decode(Bytes(RawRequests[1]));

        // Size 60 keeps only the newest entry, cache-control: no-cache (53 octets).
        decoder.Decode(Bytes("3f1d 82"));
        Assert.Equal([("cache-control", "no-cache")], decoder.DynamicTable);
        Assert.Equal(53, decoder.DynamicTableSize);

        // custom-key: custom-header (55 octets) evicts it.
        decoder.Decode(Bytes("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"));
        Assert.Equal([("custom-key", "custom-header")], decoder.DynamicTable);

        // An entry of 66 octets does not fit in 60: the table ends empty, the field still decodes.
        var headers = decoder.Decode(Bytes("400a 6375 7374 6f6d 2d6b 6579 18" + string.Concat(Enumerable.Repeat("78", 24))));
        Assert.Equal([("custom-key", new string('x', 24))], headers);
        Assert.Empty(decoder.DynamicTable);
        Assert.Equal(0, decoder.DynamicTableSize);

        // Size 0 then back to the limit, at the start of one block.
        decoder.Decode(Bytes(RawRequests[0]));
        Assert.Equal([(":method", "GET")], decoder.Decode(Bytes("20 3fe1 1f 82")));
        Assert.Empty(decoder.DynamicTable);
        Assert.Equal(4096, decoder.MaxDynamicTableSize);
    }

    [Fact]
    public void StringsAreLatin1()
    {
        var headers = new HpackDecoder().Decode(Bytes("0003 78e9 7a02 c3a9"));

        Assert.Equal([("x\u00e9z", "\u00c3\u00a9")], headers);
    }

    [Theory]
    [InlineData(0, 0x1ff8u, 13)]
    [InlineData(9, 0xffffeau, 24)]
    [InlineData(10, 0x3ffffffcu, 30)]
    [InlineData(' ', 0x14u, 6)]
    [InlineData('0', 0x0u, 5)]
    [InlineData('a', 0x3u, 5)]
    [InlineData('z', 0x7bu, 7)]
    [InlineData('~', 0x1ffdu, 13)]
    [InlineData(127, 0xffffffcu, 28)]
    [InlineData(128, 0xfffe6u, 20)]
    [InlineData(192, 0x3ffffe0u, 26)]
    [InlineData(255, 0x3ffffeeu, 26)]
    [InlineData(256, 0x3fffffffu, 30)] // EOS
    public void TheHuffmanCodesMatchAppendixB(int symbol, uint code, int length)
    {
        Assert.Equal(code, HpackHuffman.Codes[symbol]);
        Assert.Equal(length, HpackHuffman.Length(symbol));
    }

    [Fact]
    public void EveryOctetDecodesFromItsHuffmanCode()
    {
        // All 256 symbols in one string, packed by their codes, padded with ones.
        var bits = new List<bool>();
        for (var symbol = 0; symbol < 256; symbol++)
        {
            for (var bit = HpackHuffman.Length(symbol) - 1; bit >= 0; bit--)
            {
                bits.Add(((HpackHuffman.Codes[symbol] >> bit) & 1) == 1);
            }
        }

        while (bits.Count % 8 != 0)
        {
            bits.Add(true);
        }

        var octets = Enumerable.Range(0, bits.Count / 8)
            .Select(i => (byte)Enumerable.Range(0, 8).Aggregate(0, (octet, bit) => (octet << 1) | (bits[(8 * i) + bit] ? 1 : 0)))
            .ToArray();

        var text = HpackHuffman.Decode(octets);

        Assert.Equal(string.Concat(Enumerable.Range(0, 256).Select(symbol => (char)symbol)), text);
    }

    [Fact]
    public void TheEncoderUsesStaticIndexesAndRawLiteralsWithoutIndexing()
    {
        var block = HpackEncoder.Encode([(":status", "200"), (":status", "418"), ("content-type", "application/grpc"), ("grpc-status", "0")]);

        Assert.Equal(
            Bytes("88" // indexed 8, ":status: 200"
                + "0803 3431 38" // name index 8, "418"
                + "0f10 1061 7070 6c69 6361 7469 6f6e 2f67 7270 63" // name index 31 (15 + 16), "application/grpc"
                + "000b 6772 7063 2d73 7461 7475 7301 30"), // new name "grpc-status", "0"
            block);
    }

    [Fact]
    public void WhatTheEncoderWritesTheDecoderReadsWithoutTouchingItsTable()
    {
        (string Name, string Value)[] headers =
        [
            (":status", "200"),
            (":method", "POST"),
            ("content-type", "application/grpc"),
            ("accept-encoding", "gzip, deflate"),
            ("accept-encoding", "identity"),
            ("user-agent", ""),
            ("grpc-status", "0"),
            ("grpc-message", "caf\u00e9 \u00ff"),
            ("x-long-" + new string('n', 200), new string('v', 20000)),
            ("", ""),
        ];
        var decoder = new HpackDecoder();

        var decoded = decoder.Decode(HpackEncoder.Encode(headers));

        Assert.Equal(headers, decoded);
        Assert.Empty(decoder.DynamicTable);
    }

    [Fact]
    public void TheEncoderRejectsTextBeyondLatin1()
    {
        Assert.Throws<ArgumentException>(() => HpackEncoder.Encode([("grpc-message", "\u20ac")]));
    }

    [Theory]
    [InlineData("80", "index 0")] // indexed field 0
    [InlineData("be", "index 62 is past")] // an empty dynamic table
    [InlineData("82 c6", "index 70 is past")]
    [InlineData("7e01 61", "index 62 is past")] // a literal's name index
    [InlineData("ff", "ends inside an integer")]
    [InlineData("ff80 80", "ends inside an integer")]
    [InlineData("ffff ffff ff0f", "too large")]
    [InlineData("ff80 8080 8080 01", "too large")]
    [InlineData("40", "ends before a string")]
    [InlineData("04", "ends before a string")]
    [InlineData("400a 6375", "runs past the end")]
    [InlineData("0482 6c", "runs past the end")]
    [InlineData("0481 00", "not all ones")] // '0' (00000), then 000
    [InlineData("0481 ff", "8 bits of padding")]
    [InlineData("0482 1fff", "11 bits of padding")] // 'a' (00011), then 11 ones
    [InlineData("0484 ffff ffff", "end-of-string")] // EOS (30 ones)
    [InlineData("3fe2 1f", "4097 octets, above the 4096")]
    [InlineData("8220", "after a header field")]
    public void AMalformedBlockThrows(string hex, string message)
    {
        var error = Assert.Throws<HpackException>(() => new HpackDecoder(4096).Decode(Bytes(hex)));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    private static byte[] Bytes(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));
}
