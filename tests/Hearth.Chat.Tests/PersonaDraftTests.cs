using Hearth.Companions;

namespace Hearth.Chat.Tests;

/// <summary>Offline persona drafts keep what the hints say (issue 15, finding 4), in any phrasing, with the grammar right.</summary>
public sealed class PersonaDraftTests
{
    [Theory]
    [InlineData("a grumpy retired lighthouse keeper from Reykjavik who loves chess", null, "Reykjavik", "Atlantic/Reykjavik", "lighthouse keeper", "grumpy", "loves chess")]
    [InlineData("Ada, an architect living in Vienna who sketches bridges on napkins", "Ada", "Vienna", "Europe/Vienna", "architect", null, "bridges on napkins")]
    [InlineData("shy ceramicist based in Buenos Aires, collects old maps", null, "Buenos Aires", "America/Argentina/Buenos_Aires", "ceramicist", "shy", "collects old maps")]
    [InlineData("Someone named Tomasz who works as an electrician in Warsaw and plays the accordion", "Tomasz", "Warsaw", "Europe/Warsaw", "electrician", null, "accordion")]
    [InlineData("an upbeat ER nurse from Chicago who runs marathons", null, "Chicago", "America/Chicago", "er nurse", null, "runs marathons")]
    [InlineData("Kofi is a witty taxi driver in Accra who knows every shortcut", "Kofi", "Accra", "Africa/Accra", "taxi driver", "witty", "every shortcut")]
    public void An_offline_draft_keeps_the_name_city_zone_work_traits_and_interests_the_hints_give(
        string hints, string? name, string city, string zone, string? occupation, string? trait, string interest)
    {
        var draft = PersonaGenerator.Offline(new PersonaHints(hints, null, null, null));

        if (name is not null) Assert.Equal(name, draft.Name);
        Assert.Equal(city, draft.HomeCity);
        Assert.Equal(zone, draft.TimeZone);
        if (occupation is not null) Assert.Equal(occupation, draft.Occupation, ignoreCase: true);
        if (trait is not null) Assert.Contains(trait, draft.Personality);
        Assert.Contains(interest, draft.Bio);
        Assert.StartsWith($"{draft.Name} is a", draft.Bio);
        Assert.Contains(city, draft.Bio);
        // One description, no contradiction: the bio never names another city or a picked job beside the hinted ones.
        Assert.Equal(1, CountOf(draft.Bio!, " in "));
        Assert.DoesNotMatch(@"\ba [aeio]", draft.Bio!);
        Assert.DoesNotMatch(@"\ban [^aeiouh\s]", draft.Bio!);
        Assert.DoesNotMatch(@"\ba [aeio]", draft.AppearancePrompt!);
    }

    [Theory]
    [InlineData("architect", "an")]
    [InlineData("engineer", "an")]
    [InlineData("ornithologist", "an")]
    [InlineData("university lecturer", "a")]
    [InlineData("honest broker", "an")]
    [InlineData("baker", "a")]
    [InlineData("European diplomat", "a")]
    public void The_article_follows_the_sound(string word, string article) => Assert.Equal(article, PersonaHintReader.Article(word));

    [Fact]
    public void Hints_without_a_job_do_not_get_one_invented_and_the_same_hints_give_the_same_draft()
    {
        var hints = new PersonaHints("a dreamy woman from Osaka who paints ceiling murals", null, null, null);
        var draft = PersonaGenerator.Offline(hints);
        Assert.Null(draft.Occupation);
        Assert.Equal("Asia/Tokyo", draft.TimeZone);   // Osaka has no zone of its own in the zone database
        Assert.Contains("dreamy", draft.Personality);
        Assert.Contains("paints ceiling murals", draft.Bio);
        Assert.Equal(draft, PersonaGenerator.Offline(hints));
    }

    private static int CountOf(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;
}
