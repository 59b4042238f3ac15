using Hearth.Skills.Splitting;
using static Hearth.Skills.Tests.Splitting.SplitAssert;

namespace Hearth.Skills.Tests.Splitting;

public sealed class JsonSplittingTests
{
    [Fact]
    public void A_section_per_top_level_key_with_whitespace_and_commas_inside_the_tiling()
    {
        var r = Split(".claude-plugin/plugin.json", "{\n  \"name\": \"kit\",\n  \"version\": \"1.0.0\",\n  \"author\": { \"name\": \"A\" }\n}\n");

        Assert.Equal(["preamble {", "json_key name", "json_key version", "json_key author", "epilogue }"], Outline(r));
        Assert.Equal(["{\n", "  \"name\": \"kit\",\n", "  \"version\": \"1.0.0\",\n", "  \"author\": { \"name\": \"A\" }\n", "}\n"], r.Sections.Select(s => s.Text()));
    }

    [Fact]
    public void Hooks_split_per_event_and_per_matcher_group()
    {
        var text = """
            {
              "description": "Guards",
              "hooks": {
                "PreToolUse": [
                  { "matcher": "Bash", "hooks": [{ "type": "command", "command": "check.sh" }] },
                  { "matcher": "Edit|Write", "hooks": [] }
                ],
                "Stop": [
                  { "hooks": [{ "type": "command", "command": "done.sh" }] }
                ]
              }
            }
            """;

        var r = Split("plugins/p/hooks/hooks.json", text);

        Assert.Equal(
            ["preamble {", "json_key description", "json_key hooks", "  hook PreToolUse", "    hook Bash", "    hook Edit|Write", "  hook Stop", "    hook *", "epilogue }"],
            Outline(r));
        Assert.Equal("key:hooks/hook:PreToolUse/hook:Edit|Write", r.Sections[5].Key);
    }

    [Fact]
    public void Hook_events_at_the_top_level_and_mcp_servers_are_split_too()
    {
        Assert.Equal(
            ["preamble {", "hook PostToolUse", "  hook Write", "epilogue }"],
            Outline(Split("hooks.json", "{\n\"PostToolUse\": [\n{\"matcher\": \"Write\", \"hooks\": []}\n]\n}\n")));
        Assert.Equal(
            ["preamble {", "json_key mcpServers", "  json_key github", "  json_key postgres", "epilogue }"],
            Outline(Split(".mcp.json", "{\n  \"mcpServers\": {\n    \"github\": {\"command\": \"npx\"},\n    \"postgres\": {\"command\": \"pg\"}\n  }\n}\n")));
    }

    [Fact]
    public void Compact_json_splits_at_the_tokens()
    {
        var r = Split("settings.json", "{\"a\":1,\"b\":[2]}");

        Assert.Equal(["{", "\"a\":1,", "\"b\":[2]", "}"], r.Sections.Select(s => s.Text()));
    }

    [Fact]
    public void Comments_trailing_commas_and_a_bom_are_tolerated()
    {
        var r = Split("settings.json", "\uFEFF{\r\n  // the model\r\n  \"model\": \"opus\",\r\n  /* env */ \"env\": {},\r\n}\r\n");

        Assert.Equal(["preamble {", "json_key model", "json_key env", "epilogue }"], Outline(r));
        Assert.Empty(r.Warnings);
    }

    [Theory]
    [InlineData("{\"a\": 1,")]
    [InlineData("{\"a\": }")]
    [InlineData("{\"a\": 1} {\"b\": 2}")]
    [InlineData("{\"a\": \"\\u12\"}")]
    [InlineData("[1, 2")]
    [InlineData("[1] 2")]
    [InlineData(" \n ")]
    public void Invalid_json_is_one_section_with_a_warning(string text)
    {
        var r = Split("config.json", text);

        Assert.Equal(SectionKind.Body, Assert.Single(r.Sections).Kind);
        Assert.Contains(r.Warnings, w => w.StartsWith("Not valid JSON", StringComparison.Ordinal));
    }

    [Fact]
    public void Invalid_utf8_in_a_value_keeps_the_structure_but_in_a_key_falls_back_to_one_section()
    {
        var inValue = SplitValid("config.json", [.. "{\"a\": \""u8, 0xFF, .. "\",\n\"b\": 1}"u8]);
        Assert.Equal(["preamble {", "json_key a", "json_key b", "epilogue }"], Outline(inValue));
        Assert.False(inValue.IsValidUtf8);

        var inKey = SplitValid("config.json", [.. "{\""u8, 0xFF, .. "\": 1}"u8]);
        Assert.Equal(SectionKind.Body, Assert.Single(inKey.Sections).Kind);
        Assert.Contains(inKey.Warnings, w => w.StartsWith("Not valid JSON", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("[1, 2]")]
    [InlineData("{}")]
    [InlineData("\"text\"")]
    public void Json_that_is_not_an_object_with_members_is_one_body_section(string text)
    {
        var r = Split("data.json", text);

        Assert.Equal(SectionKind.Body, Assert.Single(r.Sections).Kind);
        Assert.Empty(r.Warnings);
    }
}
