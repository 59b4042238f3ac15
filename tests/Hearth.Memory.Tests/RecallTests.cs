using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Chat;
using Hearth.Memory.Tests.Support;
using Hearth.Testing;

namespace Hearth.Memory.Tests;

/// <summary>IMemoryRecall in the host: hot + warm + cold, de-duplicated; intents pull structured memory; unknown says so.</summary>
public sealed class RecallTests(MemoryHost host) : IClassFixture<MemoryHost>
{
    private IMemoryRecall Recall => host.Get<IMemoryRecall>();

    private static RecallRequest Ask(string owner, string session, string text) => new(owner, "agent-1", session, text, DateTimeOffset.UtcNow);

    [Fact]
    public async Task Memory_recall_is_the_memory_feature_not_the_chat_fallback()
    {
        Assert.IsType<MemoryRecall>(Recall);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Recent_turns_are_hot_older_relevant_ones_cold_and_nothing_is_given_twice()
    {
        var owner = await host.UserIdAsync("recall-union");
        var old = Guid.NewGuid().ToString();
        var oldTurn = await host.TurnAsync(owner, "agent-1", old, "My grandmother's lasagne recipe uses nutmeg in the bechamel.", "Nutmeg in bechamel is classic.");
        var now = Guid.NewGuid().ToString();
        var recent = new List<TurnCommitted>();
        for (var i = 0; i < 4; i++)
            recent.Add(await host.TurnAsync(owner, "agent-1", now, $"Lasagne question {i}: how long should lasagne rest?", "About fifteen minutes."));
        foreach (var turn in recent.Append(oldTurn)) await host.WaitIndexedAsync(turn);
        host.Conversations.AddUserMessage(owner, "agent-1", now, "What spice goes in my grandmother's lasagne bechamel?");

        var recall = await Recall.RecallAsync(Ask(owner, now, "What spice goes in my grandmother's lasagne bechamel?"), CancellationToken.None);

        Assert.Equal(recent.Skip(1).Select(t => t.ReplyMessageId), recall.Hot.Select(h => h.Id));
        Assert.All(recall.Hot, h => Assert.Equal("hot", h.Tier));
        var cold = Assert.Single(recall.Cold, c => c.Snippet.Contains("nutmeg", StringComparison.Ordinal));
        Assert.Equal("window", cold.Kind);
        Assert.Equal("cold", cold.Tier);
        // The window of the last turn holds only exchanges already given as hot memory: it is not given again.
        Assert.DoesNotContain(recall.Cold, c => c.Id == TurnDocuments.WindowId(recent[3].ReplyMessageId));
        Assert.Equal(recall.All.Count(), recall.All.Select(m => m.Id).Distinct().Count());
        Assert.Equal("question", recall.Intent);
        Assert.Null(recall.Guidance);
    }

    [Fact]
    public async Task Hot_memory_comes_from_the_messages_the_turn_read_and_memory_reads_the_session_only_when_they_hold_too_few()
    {
        var owner = await host.UserIdAsync("recall-tail");
        var session = Guid.NewGuid().ToString();
        for (var i = 0; i < 4; i++) await host.TurnAsync(owner, "agent-1", session, $"Tell me about tides, part {i}.", $"Tides part {i}: the moon pulls.");
        var messages = await host.Conversations.GetSessionMessagesAsync(owner, session, null, 100, CancellationToken.None);
        var read = await Recall.RecallAsync(Ask(owner, session, "And what about waves?"), CancellationToken.None);
        Assert.Equal(3, read.Hot.Count);

        // The whole session given: the same hot memory as memory's own read.
        var given = await Recall.RecallAsync(Ask(owner, session, "And what about waves?") with { Recent = new SessionTail(messages, FromStart: true) }, CancellationToken.None);
        Assert.Equal(read.Hot, given.Hot);
        // The last exchanges only, enough of them: used as given.
        var enough = await Recall.RecallAsync(Ask(owner, session, "And what about waves?") with { Recent = new SessionTail(messages.TakeLast(6).ToList(), FromStart: false) }, CancellationToken.None);
        Assert.Equal(read.Hot, enough.Hot);
        // Too few, and earlier messages left out: memory reads the session itself.
        var few = await Recall.RecallAsync(Ask(owner, session, "And what about waves?") with { Recent = new SessionTail(messages.TakeLast(2).ToList(), FromStart: false) }, CancellationToken.None);
        Assert.Equal(read.Hot, few.Hot);
        // What was given is what memory uses (a session that starts there has one exchange).
        var start = await Recall.RecallAsync(Ask(owner, session, "And what about waves?") with { Recent = new SessionTail(messages.TakeLast(2).ToList(), FromStart: true) }, CancellationToken.None);
        Assert.Equal(read.Hot.TakeLast(1), start.Hot);
    }

    [Fact]
    public async Task A_question_about_something_never_said_gets_do_not_know_guidance()
    {
        var owner = await host.UserIdAsync("recall-unknown");
        var session = Guid.NewGuid().ToString();
        await host.WaitIndexedAsync(await host.TurnAsync(owner, "agent-1", session, "I bought new running shoes.", "Enjoy the runs!"));
        var recall = await Recall.RecallAsync(Ask(owner, Guid.NewGuid().ToString(), "What is my sister's favourite flower?"), CancellationToken.None);
        Assert.Equal(MemoryRecall.UnknownIntent, recall.Intent);
        Assert.Contains("do not know", recall.Guidance);
        Assert.Empty(recall.Cold);

        var known = await Recall.RecallAsync(Ask(owner, Guid.NewGuid().ToString(), "Which running shoes did I buy?"), CancellationToken.None);
        Assert.Equal("question", known.Intent);
        Assert.NotEmpty(known.Cold);
    }

    [Fact]
    public async Task Who_are_you_recalls_the_agents_own_self_description_and_never_the_assistants()
    {
        var owner = await host.UserIdAsync("recall-self");
        var generic = await Recall.RecallAsync(Ask(owner, Guid.NewGuid().ToString(), "Who are you?"), CancellationToken.None);
        Assert.Equal("self", generic.Intent);
        Assert.DoesNotContain(generic.Warm, w => w.Kind == "self");
        Assert.DoesNotContain(generic.All, w => w.Snippet.Contains("assistant", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("your persona", generic.Guidance);

        await host.Get<IAgentSelfDescriptions>().SetAsync(owner, "agent-1", "I am Ada, a marine biologist who loves puns.", CancellationToken.None);
        var own = await Recall.RecallAsync(Ask(owner, Guid.NewGuid().ToString(), "tell me about yourself"), CancellationToken.None);
        Assert.Equal("I am Ada, a marine biologist who loves puns.", Assert.Single(own.Warm, w => w.Kind == "self").Snippet);
        Assert.Contains("answer as yourself", own.Guidance);
    }

    [Fact]
    public async Task Decisions_next_steps_and_where_was_i_come_from_summaries_and_say_so_when_missing()
    {
        var owner = await host.UserIdAsync("recall-warm");
        var none = await Recall.RecallAsync(Ask(owner, Guid.NewGuid().ToString(), "Why did we choose Postgres?"), CancellationToken.None);
        Assert.Equal("decisions", none.Intent);
        Assert.Contains("do not know why", none.Guidance);
        Assert.Contains("No open action items", (await Recall.RecallAsync(Ask(owner, Guid.NewGuid().ToString(), "What's next?"), CancellationToken.None)).Guidance);
        Assert.Contains("do not remember", (await Recall.RecallAsync(Ask(owner, Guid.NewGuid().ToString(), "Where was I?"), CancellationToken.None)).Guidance);

        var session = Guid.NewGuid().ToString();
        host.Conversations.AddTurn(owner, "agent-1", session, "For the app we decided to use Postgres because it does jobs and search.", "Good choice.");
        var last = host.Conversations.AddTurn(owner, "agent-1", session, "I need to write the migration scripts next.", "Start with the users table.");
        await host.EnqueueAsync(ChatQueues.SummariseSession, new SessionSummaryRequested(owner, "agent-1", session, last.ReplyMessageId, last.At));
        await Eventually.TrueAsync(async () => await host.ScalarAsync<long>("select count(*) from memory.summaries where owner_id = @p::uuid and status = 'done'", owner) == 1,
            TimeSpan.FromSeconds(20), "the summary is written");

        var why = await Recall.RecallAsync(Ask(owner, Guid.NewGuid().ToString(), "Why did we choose Postgres?"), CancellationToken.None);
        Assert.Contains(why.Warm, w => w.Kind == "decision" && w.Snippet.Contains("decided to use Postgres", StringComparison.Ordinal));
        Assert.Contains("decisions in memory", why.Guidance);
        var next = await Recall.RecallAsync(Ask(owner, Guid.NewGuid().ToString(), "what should I work on next?"), CancellationToken.None);
        Assert.Equal("next-steps", next.Intent);
        Assert.Contains(next.Warm, w => w.Kind == "action" && w.Snippet.Contains("migration scripts", StringComparison.Ordinal));
        var where = await Recall.RecallAsync(Ask(owner, Guid.NewGuid().ToString(), "where were we?"), CancellationToken.None);
        Assert.Equal("where-was-i", where.Intent);
        Assert.Contains(where.Warm, w => w.Kind == "summary" && w.Id.StartsWith("sum_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Accepted_facts_that_share_words_with_the_message_are_warm()
    {
        var user = host.User("recall-facts");
        var owner = await host.UserIdAsync("recall-facts");
        var fact = await (await user.PostAsJsonAsync("/api/memory", new { kind = "person", text = "Sister: Anna, a nurse in Leeds" })).Content.ReadFromJsonAsync<JsonElement>();
        await user.PostAsJsonAsync("/api/memory", new { kind = "tool", text = "Uses Obsidian for notes" });
        var recall = await Recall.RecallAsync(Ask(owner, Guid.NewGuid().ToString(), "Can you suggest a birthday gift for my sister?"), CancellationToken.None);
        var warm = Assert.Single(recall.Warm);
        Assert.Equal(fact.GetProperty("id").GetString(), warm.Id);
        Assert.Equal("person", warm.Kind);
    }

    [Fact]
    public async Task A_newer_statement_comes_before_the_one_it_updates_which_is_marked_superseded()
    {
        var owner = await host.UserIdAsync("recall-update");
        var portoTurn = await host.TurnAsync(owner, "agent-1", Guid.NewGuid().ToString(), "I live in Porto, right by the river.", "Porto by the river sounds lovely.");
        var sister = await host.TurnAsync(owner, "agent-1", Guid.NewGuid().ToString(), "My sister Ana lives in Lisbon and visits often.", "How nice to have her close.");
        var berlin = await host.TurnAsync(owner, "agent-1", Guid.NewGuid().ToString(), "We moved to Berlin last month, the flat is still full of boxes.", "Welcome to Berlin! Unpacking takes a while.");
        foreach (var turn in new[] { portoTurn, sister, berlin }) await host.WaitIndexedAsync(turn);

        var hits = (await host.Get<MemoryRetriever>().SearchAsync(MemoryRetriever.ForRecall(owner, "agent-1", "Where do I live now?", 8), CancellationToken.None)).Hits;
        var newer = hits.First(h => h.Text.Contains("Berlin", StringComparison.Ordinal));
        var older = hits.First(h => h.Text.Contains("Porto", StringComparison.Ordinal));
        Assert.True(hits.ToList().IndexOf(newer) < hits.ToList().IndexOf(older), string.Join(" | ", hits.Select(h => h.Text)));
        Assert.Equal(newer.Id, older.SupersededBy);
        Assert.Null(newer.SupersededBy);
        // Where the sister lives is another slot: not an update of the user's home.
        Assert.All(hits.Where(h => h.Text.Contains("Lisbon", StringComparison.Ordinal)), h => Assert.Null(h.SupersededBy));

        // GET /api/search says so too.
        var items = await host.SearchAsync(host.User("recall-update"), "Where do I live now?");
        var porto = items.First(i => i.GetProperty("text").GetString()!.Contains("Porto", StringComparison.Ordinal));
        var superseder = porto.GetProperty("supersededBy").GetString();
        Assert.Contains("Berlin", items.Single(i => i.GetProperty("id").GetString() == superseder).GetProperty("text").GetString());

        // In the reply's memory: the move first, the old home after it and said to be out of date.
        var recall = await Recall.RecallAsync(Ask(owner, Guid.NewGuid().ToString(), "Where do I live now?"), CancellationToken.None);
        var cold = recall.Cold.ToList();
        var move = cold.FindIndex(c => c.Snippet.Contains("Berlin", StringComparison.Ordinal));
        var home = cold.FindIndex(c => c.Snippet.Contains("Porto", StringComparison.Ordinal));
        Assert.True(move >= 0 && home > move, string.Join(" | ", cold.Select(c => c.Snippet)));
        Assert.StartsWith(MemoryRecall.SupersededPrefix, cold[home].Snippet);
        Assert.Equal(cold[move].Id, cold[home].SupersededBy);
        Assert.False(cold[move].Snippet.StartsWith(MemoryRecall.SupersededPrefix, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Restating_the_same_value_or_another_slot_supersedes_nothing()
    {
        var owner = await host.UserIdAsync("recall-restated");
        var first = await host.TurnAsync(owner, "agent-1", Guid.NewGuid().ToString(), "I work at Contoso, as a data engineer.", "Sounds interesting.");
        var again = await host.TurnAsync(owner, "agent-1", Guid.NewGuid().ToString(), "I work at Contoso, busy quarter.", "Hang in there.");
        var other = await host.TurnAsync(owner, "agent-1", Guid.NewGuid().ToString(), "I live in Leeds now.", "Leeds is great.");
        foreach (var turn in new[] { first, again, other }) await host.WaitIndexedAsync(turn);

        var hits = (await host.Get<MemoryRetriever>().SearchAsync(MemoryRetriever.ForRecall(owner, "agent-1", "Where do I work?", 8), CancellationToken.None)).Hits;
        Assert.Contains(hits, h => h.Text.Contains("Contoso", StringComparison.Ordinal));
        Assert.All(hits, h => Assert.Null(h.SupersededBy));
    }

    [Fact]
    public async Task A_question_about_a_detail_never_mentioned_gets_do_not_know_though_its_subject_was_talked_about()
    {
        var owner = await host.UserIdAsync("recall-detail");
        await host.WaitIndexedAsync(await host.TurnAsync(owner, "agent-1", Guid.NewGuid().ToString(),
            "My commute to the office is about 45 minutes by train.", "Plenty of time for a podcast."));

        var bike = await Recall.RecallAsync(Ask(owner, Guid.NewGuid().ToString(), "How long is my commute by bike?"), CancellationToken.None);
        Assert.Equal(MemoryRecall.UnknownIntent, bike.Intent);
        Assert.Empty(bike.Cold);

        var office = await Recall.RecallAsync(Ask(owner, Guid.NewGuid().ToString(), "How long is my commute to the office?"), CancellationToken.None);
        Assert.Equal("question", office.Intent);
        Assert.Contains(office.Cold, c => c.Snippet.Contains("45 minutes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_question_asking_for_a_colour_or_an_amount_is_unknown_when_what_was_said_holds_none()
    {
        var owner = await host.UserIdAsync("recall-answer-type");
        // Separate conversations: a window holding the laptop and the green bike together would name a colour.
        await host.WaitIndexedAsync(await host.TurnAsync(owner, "agent-1", Guid.NewGuid().ToString(), "My laptop is getting slow, any advice?", "Check which apps start at login."));
        await host.WaitIndexedAsync(await host.TurnAsync(owner, "agent-1", Guid.NewGuid().ToString(), "I painted my bike a bright green last weekend.", "Sounds striking!"));
        await host.WaitIndexedAsync(await host.TurnAsync(owner, "agent-1", Guid.NewGuid().ToString(), "The rent for the flat went up again this year.", "That's frustrating."));

        foreach (var unknown in new[] { "What colour is my laptop?", "How much rent do I pay?" })
        {
            var recall = await Recall.RecallAsync(Ask(owner, Guid.NewGuid().ToString(), unknown), CancellationToken.None);
            Assert.True(recall.Intent == MemoryRecall.UnknownIntent, $"{unknown}: {string.Join(" | ", recall.Cold.Select(c => c.Snippet))}");
            Assert.Empty(recall.Cold);
        }

        var bike = await Recall.RecallAsync(Ask(owner, Guid.NewGuid().ToString(), "What colour is my bike?"), CancellationToken.None);
        Assert.Equal("question", bike.Intent);
        Assert.Contains(bike.Cold, c => c.Snippet.Contains("green", StringComparison.Ordinal));

        await host.WaitIndexedAsync(await host.TurnAsync(owner, "agent-1", Guid.NewGuid().ToString(), "Rent is 1,150 euros a month now.", "Noted."));
        var rent = await Recall.RecallAsync(Ask(owner, Guid.NewGuid().ToString(), "How much rent do I pay?"), CancellationToken.None);
        Assert.Equal("question", rent.Intent);
        Assert.Contains(rent.Cold, c => c.Snippet.Contains("1,150", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_exchange_that_overlapping_windows_both_hold_is_given_once()
    {
        var owner = await host.UserIdAsync("recall-overlap");
        var session = Guid.NewGuid().ToString();
        string[] said =
        [
            "My sourdough starter is called Bubbles.",
            "I feed the sourdough starter every morning before work.",
            "The sourdough loaf came out flat again yesterday.",
            "My next sourdough bake is on Sunday with rye flour.",
        ];
        foreach (var text in said) await host.WaitIndexedAsync(await host.TurnAsync(owner, "agent-1", session, text, "Happy baking!"));

        var recall = await Recall.RecallAsync(Ask(owner, Guid.NewGuid().ToString(), "What do you remember about my sourdough?"), CancellationToken.None);

        // Windows of three exchanges overlap: more than one is recalled, yet every sentence is given once.
        Assert.True(recall.Cold.Count(c => c.Kind == TurnDocuments.WindowKind) >= 2, string.Join(" | ", recall.Cold.Select(c => c.Snippet)));
        foreach (var text in said)
            Assert.Equal(1, recall.All.Count(m => m.Snippet.Contains(text, StringComparison.Ordinal)));
    }
}
