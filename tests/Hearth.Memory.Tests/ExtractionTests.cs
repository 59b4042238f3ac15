using Hearth.Chat;

namespace Hearth.Memory.Tests;

/// <summary>The rule-based suggestion extractor, the rule summary and the parsing of model answers.</summary>
public sealed class ExtractionTests
{
    [Theory]
    [InlineData("My name is Sam Carter.", "fact", "name", "Name: Sam Carter")]
    [InlineData("please call me Jo", "fact", "name", "Name: Jo")]
    [InlineData("I live in New York City with my wife", "fact", "home", "Lives in New York City")]
    [InlineData("We just moved to Utrecht!", null, null, null)]
    [InlineData("I've moved to Utrecht last week", "fact", "home", "Lives in Utrecht last week")]
    [InlineData("I'm originally from Porto.", "fact", "origin", "Is from Porto")]
    [InlineData("I work at Lumen Analytics now", "fact", "work", "Works at Lumen Analytics")]
    [InlineData("I work as a nurse", "fact", "occupation", "Works as a nurse")]
    [InlineData("I really like jazz", "preference", "taste:jazz", "Likes jazz")]
    [InlineData("I don't like jazz anymore", "preference", "taste:jazz", "Dislikes jazz")]
    [InlineData("I hate olives", "preference", "taste:oliv", "Dislikes olives")]
    [InlineData("My favourite colour is teal", "preference", "favourite:colour", "Favourite colour: teal")]
    [InlineData("I'm working on a board game about bees", "project", "project:board-game-about-bee", "Working on a board game about bees")]
    [InlineData("I use Obsidian for my notes", "tool", "tool:obsidian", "Uses Obsidian for my notes")]
    [InlineData("My sister Anna is visiting", "person", "person:sister:anna", "Sister: Anna")]
    [InlineData("my boss is Tom", "person", "person:boss", "Boss: Tom")]
    [InlineData("My birthday is on May 3", "date", "date:birthdai", "Birthday: May 3")]
    [InlineData("I have an interview on Friday", "date", "date:interview", "Interview: Friday")]
    [InlineData("I like it", null, null, null)]
    [InlineData("my dog is sick", null, null, null)]
    [InlineData("What do you like?", null, null, null)]
    public void Rules_find_facts_in_the_users_words(string text, string? kind, string? subject, string? statement)
    {
        var found = RuleSuggestionExtractor.Extract(text);
        if (kind is null)
        {
            Assert.Empty(found);
            return;
        }
        var candidate = Assert.Single(found);
        Assert.Equal((kind, subject, statement), (candidate.Kind, candidate.Subject, candidate.Text));
    }

    [Fact]
    public void The_later_statement_of_a_subject_wins_within_one_message()
    {
        var found = RuleSuggestionExtractor.Extract("I live in Berlin. Actually no, I live in Munich.");
        Assert.Equal("Lives in Munich", Assert.Single(found).Text);
    }

    [Fact]
    public void Model_answers_are_read_when_they_are_the_asked_json_and_refused_otherwise()
    {
        var parsed = ModelSuggestionExtractor.Parse("""Sure! ```json {"memories":[{"kind":"fact","subject":"Home","text":"Lives in Oslo"},{"kind":"weather","text":"x"},{"kind":"tool","text":"Uses Vim"}]} ```""");
        Assert.NotNull(parsed);
        Assert.Equal([("fact", "home", "Lives in Oslo"), ("tool", "tool:us-vim", "Uses Vim")], parsed.Select(c => (c.Kind, c.Subject, c.Text)));
        Assert.Null(ModelSuggestionExtractor.Parse("I could not find anything."));
        Assert.Null(ModelSuggestionExtractor.Parse("{\"facts\": []}"));

        var summary = ModelSummaryWriter.Parse("""{"topics":["garden"],"decisions":["Chose raised beds"],"actionItems":["Buy soil"],"summary":"The user plans a garden."}""");
        Assert.Equal("model", summary!.Origin);
        Assert.Equal(["Buy soil"], summary.ActionItems);
        Assert.Null(ModelSummaryWriter.Parse("""{"topics":["garden"]}"""));
    }

    [Fact]
    public async Task With_a_model_wired_summaries_and_suggestions_use_it_and_fall_back_to_rules_when_it_fails()
    {
        var exchange = Exchange("I live in Oslo.", "Nice city.");
        var answering = new FakeModel("""{"memories":[{"kind":"preference","subject":"taste:skiing","text":"Likes skiing"}]}""");
        var (candidates, origin) = await new ModelSuggestionExtractor(answering, new RuleSuggestionExtractor(), Microsoft.Extensions.Logging.Abstractions.NullLogger<ModelSuggestionExtractor>.Instance)
            .ExtractAsync(exchange, CancellationToken.None);
        Assert.Equal("model", origin);
        Assert.Equal("Likes skiing", Assert.Single(candidates).Text);
        Assert.Equal(ModelSuggestionExtractor.Purpose, answering.Purposes.Single());

        var failing = new FakeModel(null, throws: true);
        var (fallback, fallbackOrigin) = await new ModelSuggestionExtractor(failing, new RuleSuggestionExtractor(), Microsoft.Extensions.Logging.Abstractions.NullLogger<ModelSuggestionExtractor>.Instance)
            .ExtractAsync(exchange, CancellationToken.None);
        Assert.Equal("rules", fallbackOrigin);
        Assert.Equal("Lives in Oslo", Assert.Single(fallback).Text);

        var offline = await new ModelSummaryWriter(new FakeModel(null), new RuleSummaryWriter(), Microsoft.Extensions.Logging.Abstractions.NullLogger<ModelSummaryWriter>.Instance)
            .WriteAsync([exchange.User, exchange.Reply], CancellationToken.None);
        Assert.Equal("rules", offline.Origin);
    }

    [Fact]
    public async Task Without_the_chat_or_a_configured_provider_the_chain_model_answers_nothing_and_the_rules_decide()
    {
        var withoutChat = new ChainMemoryModel(null);
        Assert.False(withoutChat.HasModel);
        Assert.Null(await withoutChat.CompleteAsync(ModelSuggestionExtractor.Purpose, "system", "I live in Oslo.", CancellationToken.None));

        var (candidates, origin) = await new ModelSuggestionExtractor(withoutChat, new RuleSuggestionExtractor(), Microsoft.Extensions.Logging.Abstractions.NullLogger<ModelSuggestionExtractor>.Instance)
            .ExtractAsync(Exchange("I live in Oslo.", "Nice city."), CancellationToken.None);
        Assert.Equal(("rules", "Lives in Oslo"), (origin, Assert.Single(candidates).Text));
    }

    [Fact]
    public void The_rule_summary_names_topics_decisions_and_action_items()
    {
        var messages = new[]
        {
            Message("user", "I'm redesigning the Hearth website, the landing page feels cluttered."),
            Message("agent", "A cleaner landing page could lead with one message."),
            Message("user", "We decided to drop the carousel from the landing page. I need to send the new copy to Maria by Monday."),
            Message("agent", "Good call. Do you want help with the copy?"),
        };
        var draft = RuleSummaryWriter.Write(messages);
        Assert.Equal("rules", draft.Origin);
        Assert.Equal(["landing", "page", "copy"], draft.Topics); // said at least twice, most often first

        Assert.Equal(["We decided to drop the carousel from the landing page"], draft.Decisions);
        Assert.Equal(["I need to send the new copy to Maria by Monday"], draft.ActionItems);
        Assert.StartsWith("Talked about", draft.Text);
    }

    private static ConversationMessage Message(string role, string text) => new(Guid.NewGuid().ToString(), "o", "a", "s", role, text, DateTimeOffset.UtcNow);

    private static ConversationExchange Exchange(string user, string reply) => new(Message("user", user), Message("agent", reply));

    private sealed class FakeModel(string? answer, bool throws = false) : IMemoryModel
    {
        public List<string> Purposes { get; } = [];

        public Task<string?> CompleteAsync(string purpose, string systemPrompt, string userPrompt, CancellationToken ct)
        {
            Purposes.Add(purpose);
            return throws ? throw new HttpRequestException("model down") : Task.FromResult(answer);
        }
    }
}
