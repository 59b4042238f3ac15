using System.Text;

namespace Hearth.Proof.Tests.Fuzz;

/// <summary>
/// Seeded byte-level mutations of a file, aimed at what a splitter trips on: line endings, BOMs, NULs, fences, headings,
/// frontmatter markers, invalid UTF-8, and ranges flipped, inserted, deleted, duplicated or spliced in from another file.
/// </summary>
public sealed class ByteMutator(Random random)
{
    /// <summary>Byte strings a splitter gives meaning to; injected at random offsets.</summary>
    private static readonly byte[][] Tokens =
    [
        "\r"u8.ToArray(), "\n"u8.ToArray(), "\r\n"u8.ToArray(), "\n\n"u8.ToArray(), [0xEF, 0xBB, 0xBF], [0x00],
        "```"u8.ToArray(), "~~~"u8.ToArray(), "````python\n"u8.ToArray(), "\n```\n"u8.ToArray(), "#"u8.ToArray(), "# "u8.ToArray(),
        "\n## "u8.ToArray(), "\n###### x #\n"u8.ToArray(), "\n####### "u8.ToArray(), "---\n"u8.ToArray(), "\n---\n"u8.ToArray(),
        "\t"u8.ToArray(), "    "u8.ToArray(), "\"\"\""u8.ToArray(), "'''"u8.ToArray(), "/*"u8.ToArray(), "*/"u8.ToArray(),
        "//"u8.ToArray(), "`"u8.ToArray(), "${"u8.ToArray(), "}"u8.ToArray(), "{"u8.ToArray(), "["u8.ToArray(), "]"u8.ToArray(),
        "\""u8.ToArray(), "\\"u8.ToArray(), "<<EOF\n"u8.ToArray(), "\nEOF\n"u8.ToArray(), "def f():\n"u8.ToArray(),
        "function f() {"u8.ToArray(), "class A:\n"u8.ToArray(), "#!/bin/sh\n"u8.ToArray(), "\u2028"u8.ToArray(), "é"u8.ToArray(),
        "🔥"u8.ToArray(), [0xC3], [0xFF], [0xFE], [0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82],
    ];

    /// <summary>Applies one to four mutations to <paramref name="original"/>; <paramref name="log"/> records each, for the failure message.</summary>
    public byte[] Mutate(byte[] original, byte[] donor, List<string> log)
    {
        var bytes = new List<byte>(original);
        var count = random.Next(1, 5);
        for (var i = 0; i < count; i++) log.Add(MutateOnce(bytes, donor));
        return [.. bytes];
    }

    private string MutateOnce(List<byte> bytes, byte[] donor)
    {
        var at = random.Next(bytes.Count + 1);
        switch (random.Next(9))
        {
            case 0 when bytes.Count > 0:
            {
                var i = Math.Min(at, bytes.Count - 1);
                var mask = (byte)(1 << random.Next(8));
                bytes[i] ^= mask;
                return $"flip bit {mask:x2} at {i}";
            }
            case 1:
            {
                var token = Tokens[random.Next(Tokens.Length)];
                bytes.InsertRange(at, token);
                return $"insert {Show(token)} at {at}";
            }
            case 2 when bytes.Count > 0:
            {
                var (start, length) = Range(bytes.Count);
                bytes.RemoveRange(start, length);
                return $"delete {start}+{length}";
            }
            case 3 when bytes.Count > 0:
            {
                var (start, length) = Range(bytes.Count);
                var copy = bytes.GetRange(start, length);
                bytes.InsertRange(Math.Min(start + length, bytes.Count), copy);
                return $"duplicate {start}+{length}";
            }
            case 4 when donor.Length > 0:
            {
                // Splice: keep a prefix of this file and a suffix of another (different type, often).
                var cut = random.Next(donor.Length + 1);
                bytes.RemoveRange(at, bytes.Count - at);
                bytes.AddRange(donor.AsSpan(cut).ToArray());
                return $"splice at {at} with donor from {cut}";
            }
            case 5:
            {
                var token = Tokens[random.Next(Tokens.Length)];
                var line = LineStart(bytes, at);
                bytes.InsertRange(line, token);
                return $"insert {Show(token)} at line start {line}";
            }
            case 6 when bytes.Count > 0:
            {
                var (start, length) = Range(bytes.Count);
                var noise = new byte[length];
                random.NextBytes(noise);
                for (var i = 0; i < length; i++) bytes[start + i] = noise[i];
                return $"random bytes {start}+{length}";
            }
            case 7:
            {
                // Line endings: every LF of a range becomes CRLF or CR, or every CRLF becomes LF.
                var (from, to) = random.Next(3) switch { 0 => ("\n", "\r\n"), 1 => ("\n", "\r"), _ => ("\r\n", "\n") };
                var text = Encoding.Latin1.GetString([.. bytes]).Replace(from, to, StringComparison.Ordinal);
                bytes.Clear();
                bytes.AddRange(Encoding.Latin1.GetBytes(text));
                return $"line endings {Show(Encoding.Latin1.GetBytes(from))} -> {Show(Encoding.Latin1.GetBytes(to))}";
            }
            default:
            {
                var token = Tokens[random.Next(Tokens.Length)];
                var times = random.Next(2, 200);
                for (var i = 0; i < times; i++) bytes.InsertRange(at, token);
                return $"repeat {Show(token)} x{times} at {at}";
            }
        }
    }

    private (int Start, int Length) Range(int count)
    {
        var start = random.Next(count);
        var length = random.Next(1, Math.Min(count - start, random.Next(2) == 0 ? 8 : 4096) + 1);
        return (start, length);
    }

    private static int LineStart(List<byte> bytes, int at)
    {
        var i = Math.Min(at, bytes.Count);
        while (i > 0 && bytes[i - 1] != (byte)'\n' && bytes[i - 1] != (byte)'\r') i--;
        return i;
    }

    private static string Show(byte[] token) =>
        token.All(b => b is >= 0x20 and < 0x7F) ? $"'{Encoding.ASCII.GetString(token)}'" : Convert.ToHexString(token);
}
