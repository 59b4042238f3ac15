using Hearth.Chat;

namespace Hearth.Memory.Tests;

/// <summary>The rule-based suggestion extractor, the rule summary and the parsing of model answers.</summary>
public sealed class ExtractionTests
{
    [Theory]
    [InlineData("My name is Sam Carter.", "fact", "name", "Name: Sam Carter")]
    [InlineData("please call me Jo", "fact", "name", "Name: Jo")]
    [InlineData("I live in New York City with my wife", "fact", "home", "Lives in New York City")]
    [InlineData("We just moved to Utrecht!", "fact", "home", "Moved to Utrecht")]
    [InlineData("I've moved to Utrecht last week", "fact", "home", "Moved to Utrecht (last week)")]
    [InlineData("I moved from Leeds to Utrecht in 2020 for work.", "fact", "home", "Moved to Utrecht from Leeds (in 2020)")]
    [InlineData("we relocated to Oslo three months ago", "fact", "home", "Moved to Oslo (three months ago)")]
    [InlineData("I've lived in Oslo for ten years", "fact", "home", "Lives in Oslo (for ten years)")]
    [InlineData("I live in Berlin since 2019 and love it", "fact", "home", "Lives in Berlin (since 2019)")]
    [InlineData("I'm moving to Berlin next month!", "fact", "move", "Moving to Berlin (next month)")]
    [InlineData("I lived in Paris in 2010.", null, null, null)]
    [InlineData("I started working at Acme Labs two weeks ago", "fact", "work", "Works at Acme Labs (started two weeks ago)")]
    [InlineData("I've been working at Northwind for a couple of years", "fact", "work", "Works at Northwind (for a couple of years)")]
    [InlineData("I worked at Google back in 2015", null, null, null)]
    [InlineData("I've been working as a nurse for five years", "fact", "occupation", "Works as a nurse (for five years)")]
    [InlineData("I'm originally from Porto.", "fact", "origin", "Is from Porto")]
    [InlineData("I work at Lumen Analytics now", "fact", "work", "Works at Lumen Analytics")]
    [InlineData("I work as a nurse", "fact", "occupation", "Works as a nurse")]
    [InlineData("I really like jazz", "preference", "taste:jazz", "Likes jazz")]
    [InlineData("I really like jazz lately", "preference", "taste:jazz", "Likes jazz")]
    [InlineData("I don't like jazz anymore", "preference", "taste:jazz", "Dislikes jazz")]
    [InlineData("I hate olives", "preference", "taste:oliv", "Dislikes olives")]
    [InlineData("My favourite colour is teal", "preference", "favourite:colour", "Favourite colour: teal")]
    [InlineData("I'm working on a board game about bees", "project", "project:board-game-about-bee", "Working on a board game about bees")]
    [InlineData("I use Obsidian for my notes", "tool", "tool:obsidian", "Uses Obsidian for my notes")]
    [InlineData("My sister Anna is visiting", "person", "person:sister:anna", "Sister Anna is visiting")]
    [InlineData("My sister Priya moved to Lisbon in March", "person", "person:sister:priya", "Sister Priya moved to Lisbon in March")]
    [InlineData("my brother Tom is getting married in Porto next June!", "person", "person:brother:tom", "Brother Tom is getting married in Porto next June")]
    [InlineData("Priya, my sister, just started a job at a bakery in Leeds.", "person", "person:sister:priya", "Sister Priya just started a job at a bakery in Leeds")]
    [InlineData("My cat Quibblesworth knocked my plant over again", "person", "person:cat:quibblesworth", "Cat Quibblesworth knocked the user's plant over again")]
    [InlineData("my cat is called Quibblesworth", "person", "person:cat:quibblesworth", "Cat: Quibblesworth")]
    [InlineData("We adopted a kitten named Biscuit last week", "person", "person:kitten:biscuit", "Kitten named Biscuit, adopted last week")]
    [InlineData("We just adopted a kitten called Biscuit on Saturday!", "person", "person:kitten:biscuit", "Kitten named Biscuit, adopted on Saturday")]
    [InlineData("I got a puppy called Pixel yesterday and I love him", "person", "person:puppi:pixel", "Puppy named Pixel, joined the family yesterday")]
    [InlineData("We rescued a dog named Rex from a shelter in Leeds a month ago", "person", "person:dog:rex", "Dog named Rex, rescued from a shelter in Leeds (a month ago)")]
    [InlineData("I have a parrot called Mango who swears in Portuguese", "person", "person:parrot:mango", "Parrot named Mango, who swears in Portuguese")]
    [InlineData("I have a hamster named Nibbles", "person", "person:hamster:nibbles", "Hamster named Nibbles")]
    [InlineData("My brother Tom, who lives in Oslo, is visiting", "person", "person:brother:tom", "Brother Tom, who lives in Oslo, is visiting")]
    [InlineData("our daughter Mia started school last week", "person", "person:daughter:mia", "Daughter Mia started school last week")]
    [InlineData("Quibblesworth (my cat) hates Mondays", "person", "person:cat:quibblesworth", "Cat Quibblesworth hates Mondays")]
    [InlineData("My best friend Sam lives in Oslo now", "person", "person:best-friend:sam", "Best friend Sam lives in Oslo now")]
    [InlineData("my mom's birthday is on May 3", "date", "date:mom-birthdai", "Mom's birthday: May 3")]
    [InlineData("I grew up in Galway", "fact", "origin", "Is from Galway")]
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
        Assert.Equal(["Hearth", "Maria", "landing", "page", "copy"], draft.Topics); // names first, then what the user came back to

        Assert.Equal(["We decided to drop the carousel from the landing page"], draft.Decisions);
        Assert.Equal(["I need to send the new copy to Maria by Monday"], draft.ActionItems);
        Assert.Equal("The conversation was about Hearth, Maria, landing, page and copy. The user mentioned that they're redesigning the Hearth website, "
            + "the landing page feels cluttered. They decided to drop the carousel from the landing page. Still to do: they need to send the new copy to Maria by Monday.",
            draft.Text);
    }

    [Fact]
    public void An_offline_summary_is_sentences_about_what_the_user_said_never_the_companions_stock_words()
    {
        var messages = new[]
        {
            Message("user", "Hi Mia! What time is it where you live?"),
            Message("agent", "Hmm, good question. My florist brain says: it depends."),
            Message("user", "My sister Priya moved to Lisbon in March and I miss her a lot."),
            Message("agent", "That's lovely, Lisbon is lovely. It depends on the day."),
            Message("user", "Should I visit Priya in Lisbon this summer?"),
            Message("agent", "Good question, it depends!"),
        };
        var draft = RuleSummaryWriter.Write(messages);
        Assert.DoesNotContain("depends", draft.Topics);
        Assert.DoesNotContain("question", draft.Topics);
        Assert.DoesNotContain("lovely", draft.Topics);
        Assert.Contains("Priya", draft.Topics);
        Assert.Contains("Lisbon", draft.Topics);
        Assert.Contains("The user mentioned that their sister Priya moved to Lisbon in March and they miss her a lot.", draft.Text);
        Assert.Contains("Open question: Should they visit Priya in Lisbon this summer?", draft.Text);
        Assert.Matches(@"^(?:[A-Z][^.?!]*[.?!]\s*){2,}$", draft.Text);   // sentences, each begun and ended
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
