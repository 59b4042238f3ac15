using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Hearth.Skills.Tests.Splitting;

/// <summary>
/// Property-based: 11,000 random inputs (raw bytes and markdown-, script- and JSON-shaped text with mixed line endings,
/// BOMs and invalid UTF-8) must each round-trip exactly and give a sound tree (see <see cref="SplitAssert.Problem"/>).
/// FsCheck prints the seed and the failing input when one does not.
/// </summary>
public sealed class PropertyTests
{
    /// <summary>One random case: a path (which picks the splitter) and bytes.</summary>
    public sealed record Input(string Path, byte[] Bytes)
    {
        public override string ToString() => $"{Path}: {Convert.ToHexString(Bytes)}\n{SplitAssert.Escape(Bytes)}";
    }

    private static readonly string[] MarkdownPaths = ["skills/a/SKILL.md", "docs/a.md", "agents/a.md", "notes/readme"];
    private static readonly string[] ScriptPaths = ["a.py", "a.js", "a.ts", "a.tsx", "a.sh", "bin/tool"];
    private static readonly string[] JsonPaths = ["hooks/hooks.json", ".claude/settings.json", ".mcp.json", ".claude-plugin/plugin.json", "a.json"];
    private static readonly string[] AnyPaths = [.. MarkdownPaths, .. ScriptPaths, .. JsonPaths, "a.yaml", "a"];

    private static readonly string[] MarkdownLines =
    [
        "# Title", "## Sub", "###### Six", "####### Seven", "#NoSpace", "#\tTab", "#   Spaces  ##", "   ### Indented", "    # Code",
        "## C# ##", "#", "# ", "```", "```bash", "````", "~~~", "~~~~ md", "``` `x`", "<example>", "</example>", "<tag a=\"1\">", "</tag>",
        "<br>", "<self/>", "<!--", "-->", "<!-- # x -->", "---", "...", "name: x", "description: y", "argument-hint: z", "text words",
        "- item", "> # quote", "Setext", "====", "", " ", "\t",
    ];

    private static readonly string[] ScriptLines =
    [
        "def f():", "    def m(self):", "async def g():", "class A:", "    class B:", "@dec", "@dec(", ")", "    pass", "x = 1", "'''", "\"\"\"",
        "'", "\"", "#!/usr/bin/env python", "# comment", "if __name__ == '__main__':", "function f() {", "}", "{", "export const a = () => {",
        "export default async function () {", "const b = async (", ") => 1;", "class K extends B {", "  m() {", "  get x() { return 1; }",
        "interface I {", "type T =", "  | A", "enum E { A }", "namespace N {", "declare module 'm' {", "/**", " * doc", " */", "`", "${", "/re{/g",
        "// }", "f() {", "function g {", "cat <<EOF", "cat <<-'END'", "EOF", "\tEND", "echo \"}\" '{'", "$(", "${x}", "case x in", "esac", "\\",
        "main \"$@\"", "", "  ",
    ];

    private static readonly string[] JsonPieces =
    [
        "{", "}", "[", "]", ",", ":", "\"hooks\"", "\"PreToolUse\"", "\"matcher\"", "\"Bash\"", "\"mcpServers\"", "\"name\"", "\"a\"", "1", "true",
        "null", "\"x\"", "// c", "/* c */", " ", "\n", "\r\n", "\r", "\t", "\"\\u00e9\"", "\"\\\"\"",
    ];

    private static readonly byte[][] Specials =
    [
        [0xEF, 0xBB, 0xBF], [0xFF], [0xC3, 0x28], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0x80], [0xC3, 0xA9], [0xF0, 0x9F, 0x9A, 0x80], [0x00],
    ];

    private static readonly string[] LineEndings = ["\n", "\n", "\r\n", "\r"];

    private static readonly byte[] Alphabet = Encoding.ASCII.GetBytes("#  \t\n\r\n`~<>/{}[]()\"'-.:@$\\=,;*|&abcdefxyz01") is var a
        ? [.. a, 0xEF, 0xBB, 0xBF, 0xFF, 0xC3, 0x80] : [];

    private static Gen<byte[]> Lines(string[] lines, int maxLines) =>
        from count in Gen.Choose(0, maxLines)
        from picked in Gen.ArrayOf(Gen.Elements(lines), count)
        from endings in Gen.ArrayOf(Gen.Elements(LineEndings), count)
        from finalNewline in Gen.Elements(true, false)
        from special in Gen.Elements(Specials)
        from specialAt in Gen.Choose(-8, Math.Max(0, count - 1))
        select Join(picked, endings, finalNewline, special, specialAt);

    /// <summary>Joins lines with the chosen endings; drops the last one sometimes; inserts a BOM or a bad byte into one line (when specialAt is in range).</summary>
    private static byte[] Join(string[] lines, string[] endings, bool finalNewline, byte[] special, int specialAt)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (i == specialAt)
                bytes.AddRange(special);
            bytes.AddRange(Encoding.UTF8.GetBytes(lines[i]));
            if (i < lines.Length - 1 || finalNewline)
                bytes.AddRange(Encoding.UTF8.GetBytes(endings[i]));
        }
        return [.. bytes];
    }

    private static Gen<Input> Cases(string[] paths, Gen<byte[]> bytes) =>
        from path in Gen.Elements(paths)
        from content in bytes
        select new Input(path, content);

    /// <summary>HEARTH_PROPERTY_SCALE=50 multiplies the number of cases, for a soak run outside the normal test run.</summary>
    private static readonly int Scale = int.TryParse(Environment.GetEnvironmentVariable("HEARTH_PROPERTY_SCALE"), out var scale) && scale > 0 ? scale : 1;

    private static readonly string[] JsonKeys = ["hooks", "PreToolUse", "Stop", "matcher", "mcpServers", "name", "a", "b", "type", "command"];
    private static readonly string[] JsonGaps = ["", " ", "\n", "\r\n", "\n  ", "\r", "\t", " // c\n", "/* c */"];

    /// <summary>Well-formed (mostly) JSON with hook- and MCP-shaped keys, odd whitespace, comments and the odd trailing comma.</summary>
    private static Gen<string> JsonValue(int depth) =>
        depth <= 0
            ? Gen.Elements("1", "true", "null", "\"Bash\"", "\"x\"", "[]", "{}")
            : Gen.Frequency(
                (2, JsonValue(0)),
                (3, from members in Gen.ListOf(Gen.Zip(Gen.Elements(JsonKeys), Gen.Zip(JsonValue(depth - 1), Gen.Elements(JsonGaps))), 4)
                    from trailing in Gen.Elements("", ",")
                    select "{" + string.Join(",", members.Select(m => $"{m.Item2.Item2}\"{m.Item1}\": {m.Item2.Item1}")) + trailing + "\n}"),
                (2, from items in Gen.ListOf(Gen.Zip(JsonValue(depth - 1), Gen.Elements(JsonGaps)), 3)
                    select "[" + string.Join(",", items.Select(i => i.Item2 + i.Item1)) + "]"));

    private static void Check(Gen<Input> cases, int count)
    {
        var checkedInputs = 0;
        FsCheck.Check.One(
            Config.QuickThrowOnFailure.WithMaxTest(count * Scale).WithEndSize(200),
            Prop.ForAll(cases.ToArbitrary(), (Input input) =>
            {
                checkedInputs++;
                var r = Hearth.Skills.Splitting.SkillSplitter.Split(input.Path, input.Bytes);
                var problem = SplitAssert.Problem(r, input.Bytes);
                if (problem is not null)
                    throw new Xunit.Sdk.XunitException($"{problem}\n{SplitAssert.Describe(r)}");
            }));
        Assert.True(checkedInputs >= count * Scale, $"only {checkedInputs} inputs were checked");
    }

    [Fact]
    public void Random_markdownish_text_round_trips_with_a_sound_tree() => Check(Cases(MarkdownPaths, Lines(MarkdownLines, 40)), 3000);

    [Fact]
    public void Random_scriptish_text_round_trips_with_a_sound_tree() => Check(Cases(ScriptPaths, Lines(ScriptLines, 40)), 3000);

    [Fact]
    public void Random_jsonish_text_round_trips_with_a_sound_tree() =>
        Check(Cases(JsonPaths, Gen.Frequency(
            (1, Gen.ArrayOf(Gen.Elements(JsonPieces)).Select(p => Encoding.UTF8.GetBytes(string.Concat(p)))),
            (2, JsonValue(3).Select(Encoding.UTF8.GetBytes)))), 2500);

    [Fact]
    public void Random_bytes_round_trip_with_a_sound_tree() =>
        Check(Cases(AnyPaths, Gen.ArrayOf(Gen.Frequency((9, Gen.Elements(Alphabet)), (1, Gen.Choose(0, 255).Select(b => (byte)b))))), 2500);
}
