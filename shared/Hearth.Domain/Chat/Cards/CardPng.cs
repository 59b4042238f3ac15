using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace Hearth.Chat.Cards;

/// <summary>
/// The PNG side of character cards: the card is base64 JSON in a <c>tEXt</c> chunk (keyword <c>chara</c> for V2,
/// <c>ccv3</c> for V3). Reads the text chunks of a PNG (checking the signature, chunk lengths and every CRC), and writes
/// a copy of a PNG with given text chunks put in place of any old ones with the same keywords, before <c>IEND</c>.
/// </summary>
public static class CardPng
{
    private static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Whether the bytes start like a PNG.</summary>
    public static bool IsPng(ReadOnlySpan<byte> bytes) => bytes.StartsWith(Signature);

    /// <summary>The <c>tEXt</c> chunks (keyword → text, Latin-1), the first of each keyword; <see cref="CardFormatException"/> when the PNG is damaged.</summary>
    public static IReadOnlyDictionary<string, string> ReadText(ReadOnlySpan<byte> png)
    {
        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (type, data) in Chunks(png.ToArray()))
        {
            if (type != "tEXt") continue;
            var nul = Array.IndexOf(data, (byte)0);
            if (nul <= 0) continue;
            var keyword = Encoding.Latin1.GetString(data, 0, nul);
            texts.TryAdd(keyword, Encoding.Latin1.GetString(data, nul + 1, data.Length - nul - 1));
        }
        return texts;
    }

    /// <summary>A copy of <paramref name="png"/> without text chunks of the given keywords and with <paramref name="texts"/> added before IEND.</summary>
    public static byte[] WithText(byte[] png, IReadOnlyList<KeyValuePair<string, string>> texts, IEnumerable<string>? remove = null)
    {
        var drop = new HashSet<string>(texts.Select(t => t.Key).Concat(remove ?? []), StringComparer.Ordinal);
        using var output = new MemoryStream(png.Length + texts.Sum(t => t.Value.Length + t.Key.Length + 13));
        output.Write(Signature);
        foreach (var (type, data) in Chunks(png))
        {
            if (type is "tEXt" or "iTXt" or "zTXt" && drop.Contains(Keyword(data))) continue;
            if (type == "IEND")
                foreach (var (keyword, value) in texts)
                {
                    var latin1 = new byte[keyword.Length + 1 + value.Length];
                    Encoding.Latin1.GetBytes(keyword, latin1);
                    Encoding.Latin1.GetBytes(value, latin1.AsSpan(keyword.Length + 1));
                    WriteChunk(output, "tEXt", latin1);
                }
            WriteChunk(output, type, data);
        }
        return output.ToArray();
    }

    private static string Keyword(byte[] data)
    {
        var nul = Array.IndexOf(data, (byte)0);
        return nul <= 0 ? "" : Encoding.Latin1.GetString(data, 0, nul);
    }

    private static IEnumerable<(string Type, byte[] Data)> Chunks(byte[] png)
    {
        if (!IsPng(png)) throw new CardFormatException("is not a PNG (the signature is missing)");
        var at = Signature.Length;
        var sawEnd = false;
        while (!sawEnd)
        {
            if (at + 12 > png.Length) throw new CardFormatException("is cut off (a chunk runs past the end of the file)");
            var length = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at));
            if (length > int.MaxValue || at + 12 + (long)length > png.Length) throw new CardFormatException("is cut off (a chunk runs past the end of the file)");
            var type = Encoding.ASCII.GetString(png, at + 4, 4);
            if (!type.All(char.IsAsciiLetter)) throw new CardFormatException($"is damaged (a chunk at byte {at} has no valid type)");
            if (!CrcMatches(png, at, (int)length)) throw new CardFormatException($"is damaged (the {type} chunk at byte {at} fails its CRC)");
            yield return (type, png[(at + 8)..(at + 8 + (int)length)]);
            sawEnd = type == "IEND";
            at += 12 + (int)length;
        }
    }

    private static bool CrcMatches(byte[] png, int at, int length)
    {
        var crc = new Crc32();
        crc.Append(png.AsSpan(at + 4, 4 + length));
        return crc.GetCurrentHashAsUInt32() == BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at + 8 + length));
    }

    private static void WriteChunk(Stream output, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> head = stackalloc byte[8];
        BinaryPrimitives.WriteInt32BigEndian(head, data.Length);
        Encoding.ASCII.GetBytes(type, head[4..]);
        output.Write(head);
        output.Write(data);
        var crc = new Crc32();
        crc.Append(head[4..]);
        crc.Append(data);
        Span<byte> trailer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(trailer, crc.GetCurrentHashAsUInt32());
        output.Write(trailer);
    }
}

/// <summary>A card file that cannot be read; the message completes "The PNG …".</summary>
public sealed class CardFormatException(string message) : Exception(message);
