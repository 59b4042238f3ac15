using Hearth.Search;
using Hearth.Skills;

namespace Hearth.Skills.Tests;

/// <summary>What the embedder sees of skill sections (BM25 keeps the section's own text).</summary>
public sealed class SectionEmbeddingTextTests
{
    private static SearchDocument Section(string file, string title, string raw) =>
        new($"{file}:{title}", "owner", title + "\n" + raw) { Source = $"skills/{file}/SKILL.md", Tags = [$"file={file}", $"title={title}"] };

    [Fact]
    public void Sections_carry_their_path_and_heading_path_and_a_heading_alone_takes_its_childrens_text()
    {
        var documents = Section("deploy", "Deploy", "# Deploy\nHow we ship.\n");
        List<SearchDocument> all =
        [
            documents,
            Section("deploy", "Testing", "## Testing\n"),
            Section("deploy", "Unit", "### Unit\nRun dotnet test with the filter.\n"),
            Section("deploy", "Rollback", "## Rollback\nRevert the container app revision.\n"),
            Section("deploy", "Empty", "## Empty\n"),
        ];

        var texts = SectionEmbeddingText.Apply(all).Select(d => d.EmbeddingText).ToList();

        Assert.Equal("skills/deploy/SKILL.md\nDeploy\nHow we ship.", texts[0]);
        Assert.Equal("skills/deploy/SKILL.md\nDeploy > Testing\nUnit\nRun dotnet test with the filter.", texts[1]);
        Assert.Equal("skills/deploy/SKILL.md\nDeploy > Testing > Unit\nRun dotnet test with the filter.", texts[2]);
        Assert.Equal("skills/deploy/SKILL.md\nDeploy > Rollback\nRevert the container app revision.", texts[3]);
        Assert.Equal("", texts[4]); // nothing under it: left out of vector search
        Assert.Equal(all.Select(d => d.Text), SectionEmbeddingText.Apply(all).Select(d => d.Text)); // BM25's text unchanged
    }

    [Fact]
    public void Sections_that_are_not_markdown_headings_embed_their_own_text_under_their_file()
    {
        var script = Section("tools", "def main", "def main():\n    print('hi')\n");
        var text = Assert.Single(SectionEmbeddingText.Apply([script])).EmbeddingText;
        Assert.Equal("skills/tools/SKILL.md\ndef main\ndef main():\n    print('hi')", text);
        var shebang = Section("tools", "#!/bin/bash", "#!/bin/bash\n\n");
        Assert.Equal("", Assert.Single(SectionEmbeddingText.Apply([shebang])).EmbeddingText); // no words: out of vector search
    }
}
