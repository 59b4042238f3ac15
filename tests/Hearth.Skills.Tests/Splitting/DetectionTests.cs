using System.Text;
using Hearth.Skills.Splitting;

namespace Hearth.Skills.Tests.Splitting;

public sealed class DetectionTests
{
    [Theory]
    [InlineData("skills/pdf/SKILL.md", "", SkillFileType.Skill, SkillFileFormat.Markdown)]
    [InlineData("skills/pdf/skill.md", "", SkillFileType.Skill, SkillFileFormat.Markdown)]
    [InlineData("plugins/p/commands/review.md", "", SkillFileType.Command, SkillFileFormat.Markdown)]
    [InlineData("plugins/p/agents/planner.md", "", SkillFileType.Agent, SkillFileFormat.Markdown)]
    [InlineData("output-styles/terse.md", "", SkillFileType.OutputStyle, SkillFileFormat.Markdown)]
    [InlineData("skills/pdf/references/forms.md", "", SkillFileType.Reference, SkillFileFormat.Markdown)]
    [InlineData("skills/pdf/reference/api.txt", "", SkillFileType.Reference, SkillFileFormat.Text)]
    [InlineData("skills/pdf/REFERENCE.md", "", SkillFileType.Reference, SkillFileFormat.Markdown)]
    [InlineData("plugins/p/.claude-plugin/plugin.json", "{}", SkillFileType.Plugin, SkillFileFormat.Json)]
    [InlineData("plugins/p/.claude-plugin/marketplace.json", "{}", SkillFileType.Plugin, SkillFileFormat.Json)]
    [InlineData("plugins/p/hooks/hooks.json", "{}", SkillFileType.Hook, SkillFileFormat.Json)]
    [InlineData("plugins/p/hooks/guard.sh", "", SkillFileType.Hook, SkillFileFormat.Shell)]
    [InlineData("plugins\\p\\hooks\\guard.py", "", SkillFileType.Hook, SkillFileFormat.Python)]
    [InlineData(".claude/settings.json", "{}", SkillFileType.Config, SkillFileFormat.Json)]
    [InlineData(".claude/settings.local.json", "{}", SkillFileType.Config, SkillFileFormat.Json)]
    [InlineData("plugins/p/.mcp.json", "{}", SkillFileType.Config, SkillFileFormat.Json)]
    [InlineData("skills/x/assets/data.json", "{\"a\": 1}", SkillFileType.Config, SkillFileFormat.Json)]
    [InlineData("config/app.yaml", "a: 1", SkillFileType.Config, SkillFileFormat.Text)]
    [InlineData("skills/x/scripts/run.py", "", SkillFileType.Script, SkillFileFormat.Python)]
    [InlineData("skills/x/scripts/run.mjs", "", SkillFileType.Script, SkillFileFormat.JavaScript)]
    [InlineData("skills/x/scripts/run.tsx", "", SkillFileType.Script, SkillFileFormat.TypeScript)]
    [InlineData("skills/x/scripts/run.bash", "", SkillFileType.Script, SkillFileFormat.Shell)]
    [InlineData("plugins/p/commands/helper.py", "", SkillFileType.Script, SkillFileFormat.Python)]
    [InlineData("docs/guide.md", "# Guide", SkillFileType.Documentation, SkillFileFormat.Markdown)]
    [InlineData("plugins/p/README.md", "---\nname: a\ndescription: b\n---\n", SkillFileType.Documentation, SkillFileFormat.Markdown)]
    [InlineData("LICENSE", "MIT License", SkillFileType.Documentation, SkillFileFormat.Text)]
    public void Path_rules(string path, string content, SkillFileType type, SkillFileFormat format)
    {
        var d = SkillFileDetector.Detect(path, Encoding.UTF8.GetBytes(content));

        Assert.Equal((type, format), (d.Type, d.Format));
        Assert.NotEmpty(d.Rule);
    }

    [Theory]
    [InlineData("docs/a.md", "---\ndescription: x\nargument-hint: <file>\n---\n", SkillFileType.Command)]
    [InlineData("docs/a.md", "---\nname: x\ndescription: y\nkeep-coding-instructions: true\n---\n", SkillFileType.OutputStyle)]
    [InlineData("docs/a.md", "---\nname: x\ndescription: y\ntools: Read, Grep\n---\n", SkillFileType.Agent)]
    [InlineData("docs/a.md", "---\nname: x\ndescription: y\nmodel: opus\n---\n", SkillFileType.Agent)]
    [InlineData("docs/a.md", "---\nname: x\ndescription: y\nallowed-tools: Read\nmodel: opus\n---\n", SkillFileType.Skill)]
    [InlineData("docs/a.md", "\uFEFF---\r\nname: x\r\ndescription: y\r\n---\r\n", SkillFileType.Skill)]
    [InlineData("docs/a.md", "---\nname: x\n---\n", SkillFileType.Documentation)]
    [InlineData("config/extra.json", "{\"hooks\": {\"Stop\": []}, \"description\": \"x\"}", SkillFileType.Hook)]
    [InlineData("config/extra.json", "{\"PreToolUse\": [], \"Stop\": []}", SkillFileType.Hook)]
    [InlineData("config/extra.json", "{\"hooks\": {}, \"model\": \"opus\"}", SkillFileType.Config)]
    public void Content_rules(string path, string content, SkillFileType type)
    {
        Assert.Equal(type, SkillFileDetector.Detect(path, Encoding.UTF8.GetBytes(content)).Type);
    }

    [Theory]
    [InlineData("#!/usr/bin/env python3\nprint(1)\n", SkillFileFormat.Python)]
    [InlineData("\uFEFF#!/bin/bash\necho\n", SkillFileFormat.Shell)]
    [InlineData("#!/usr/bin/env node\n", SkillFileFormat.JavaScript)]
    [InlineData("#!/usr/bin/env -S npx tsx\n", SkillFileFormat.TypeScript)]
    [InlineData("{\"a\": 1}", SkillFileFormat.Json)]
    [InlineData("---\ntitle: x\n---\n# Title\ntext", SkillFileFormat.Markdown)]
    [InlineData("# Title\ntext", SkillFileFormat.Text)]
    [InlineData("plain words", SkillFileFormat.Text)]
    public void Files_without_an_extension_are_read_by_content(string content, SkillFileFormat format)
    {
        var d = SkillFileDetector.Detect("skills/x/bin/tool", Encoding.UTF8.GetBytes(content));

        Assert.Equal(format, d.Format);
        var type = format switch
        {
            SkillFileFormat.Json => SkillFileType.Config,
            SkillFileFormat.Markdown or SkillFileFormat.Text => SkillFileType.Documentation,
            _ => SkillFileType.Script,
        };
        Assert.Equal(type, d.Type);
    }

    [Fact]
    public void Type_names_round_trip_and_match_the_issue()
    {
        Assert.Equal(
            ["skill", "command", "reference", "agent", "plugin", "hook", "output_style", "documentation", "config", "script", "asset"],
            Enum.GetValues<SkillFileType>().Select(t => t.ToName()));
        foreach (var type in Enum.GetValues<SkillFileType>())
        {
            Assert.True(SkillSplittingNames.TryParseType(type.ToName(), out var parsed));
            Assert.Equal(type, parsed);
        }
        Assert.False(SkillSplittingNames.TryParseType("outputstyle", out _));
        Assert.All(Enum.GetValues<SectionKind>(), k => Assert.True(SkillSplittingNames.TryParseKind(k.ToName(), out var back) && back == k));
    }
}
