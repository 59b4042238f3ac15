using Hearth.Companions;
using Hearth.Memory;

namespace Hearth.Chat.Tests;

/// <summary>
/// The offline companion answers what its state can answer (issue 15, finding 1): a florist in Tokyo at a fixed moment
/// (Tuesday 4 March 2025, 10:30 in Tokyo), with the weather seam's answer, a scenario, a life event and memory.
/// </summary>
public sealed class OfflineAnswerTests
{
    private static readonly DateTimeOffset Now = new(2025, 3, 4, 1, 30, 0, TimeSpan.Zero);   // 10:30 in Tokyo

    private static ReplyContext Context(string text, Recall? recall = null, AvailabilityState availability = AvailabilityState.Working, IReadOnlyList<ConversationMessage>? recent = null)
    {
        var agent = new Agent("00000000-0000-0000-0000-000000000011", "00000000-0000-0000-0000-000000000012", "Mia", "Runs a tiny flower shop.", "warm and teasing", "",
            "", "Tokyo", "florist", "Asia/Tokyo", null, null, WeeklyAvailability.Default, 0.2, 0.3, 25, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);
        var scenario = new Scenario("s1", agent.Id, "Getting ready for the spring flower fair", "", null, null, Now.AddDays(-2));
        return new ReplyContext(agent, text, AgentClock.At(Now, agent.TimeZone), availability, new WeatherFlavour("mild with sunny spells, 14°C"), scenario,
            [new LifeEvent("e1", agent.Id, Now.AddHours(-1), "work", "I sold the last of the tulips before nine.", 0.1, null, Now)],
            recall ?? Memory, recent ?? [], null, null);
    }

    /// <summary>What memory holds: an accepted fact in the user's words, a pet from a suggestion, and an indexed exchange.</summary>
    private static readonly Recall Memory = new(
        [new RecalledMemory("turn-1", "turn", "hot", "I finally finished the bookshelf today → Nice! Send me a picture of it.", 1)],
        [
            new RecalledMemory("m-priya", "fact", "warm", "Sister Priya moved to Lisbon in March", 1),
            new RecalledMemory("m-pet", "person", "warm", "Cat: Quibblesworth", 1),
        ],
        [new RecalledMemory("conv_1", "turn", "cold", "My favourite band is Khruangbin.\nOoh, good taste!", 0.4)],
        null, null);

    private static string Ask(string text, Recall? recall = null, AvailabilityState availability = AvailabilityState.Working) =>
        string.Join(" | ", Enumerable.Range(0, 8).Select(seed => ChatOfflineResponder.Reply(Context(text, recall, availability), seed)).Distinct());

    [Theory]
    [InlineData("What time is it where you live?", "10:30")]
    [InlineData("what day is it there?", "Tuesday")]
    [InlineData("What's the weather like in Tokyo?", "mild with sunny spells, 14°C")]
    [InlineData("Where do you live?", "Tokyo")]
    [InlineData("What do you do for work?", "a florist")]
    [InlineData("What are you doing right now?", "at work")]
    [InlineData("Who are you?", "I'm Mia, a florist in Tokyo")]
    [InlineData("Do you remember where Priya lives now?", "your sister Priya moved to Lisbon in March")]
    [InlineData("What's my cat's name?", "your cat is Quibblesworth")]
    [InlineData("What's the name of my pet?", "Quibblesworth")]
    [InlineData("Do you remember my favourite band?", "Khruangbin")]
    public void Direct_questions_its_state_can_answer_are_answered(string question, string expected)
    {
        var replies = Ask(question);
        foreach (var reply in replies.Split(" | "))
        {
            Assert.Contains(expected, reply);
            Assert.DoesNotContain("depends", reply);
            Assert.DoesNotContain(question.TrimEnd('?'), reply, StringComparison.OrdinalIgnoreCase);   // never echoed
            Assert.DoesNotMatch(@"[.!?,]{2}|”\.", reply);                                             // no doubled punctuation
            Assert.True(ModelOutput.Guard.Check(reply, "Mia").Clean, reply);
        }
    }

    [Theory]
    [InlineData("Do you remember where I live?", "you moved to Utrecht (last week)")]
    [InlineData("Where am I moving to?", "you're moving to Berlin (next month)")]
    [InlineData("What's my kitten called?", "your kitten named Biscuit, adopted last week")]
    [InlineData("Where do I work?", "you work at Acme Labs (started two weeks ago)")]
    public void Facts_the_offline_extraction_stores_with_their_time_are_said_back_in_the_second_person(string question, string expected)
    {
        var recall = new Recall([],
        [
            new RecalledMemory("m-home", "fact", "warm", "Moved to Utrecht (last week)", 1),
            new RecalledMemory("m-move", "fact", "warm", "Moving to Berlin (next month)", 1),
            new RecalledMemory("m-kitten", "person", "warm", "Kitten named Biscuit, adopted last week", 1),
            new RecalledMemory("m-work", "fact", "warm", "Works at Acme Labs (started two weeks ago)", 1),
        ], [], null, null);
        foreach (var reply in Ask(question, recall).Split(" | ")) Assert.Contains(expected, reply);
    }

    [Theory]
    [InlineData("What is my grandmother's maiden name?")]
    [InlineData("What did I have for breakfast today?")]
    [InlineData("What's my sister's favourite flower?")]
    public void Questions_nothing_it_knows_answers_are_answered_honestly(string question)
    {
        foreach (var reply in Ask(question).Split(" | "))
        {
            Assert.Matches("(?i)don't know|never told me", reply);
            Assert.DoesNotContain("depends", reply);
            Assert.DoesNotContain("Quibblesworth", reply);
            Assert.DoesNotContain("Priya", reply);
        }
    }

    [Fact]
    public void What_it_is_doing_comes_from_availability_scenario_and_its_day_and_nothing_is_echoed()
    {
        var free = Ask("what are you up to?", availability: AvailabilityState.Free);
        Assert.Contains("free right now", free);
        Assert.Contains("I sold the last of the tulips before nine.", free);
        Assert.Contains("spring flower fair", free);
        Assert.DoesNotContain("I i ", free, StringComparison.Ordinal);

        // An earlier line of the user's is never quoted back at them.
        var recent = new List<ConversationMessage> { new("u1", "o", "a", "s", "user", "Hi Mia! I had the strangest dream about whales.", Now.AddMinutes(-5)) };
        for (var seed = 0; seed < 40; seed++)
        {
            var reply = ChatOfflineResponder.Reply(Context("ok cool", Recall.Empty, recent: recent), seed);
            Assert.DoesNotContain("whales", reply);
            Assert.DoesNotContain("you said", reply);
        }
    }

    [Fact]
    public void The_prompt_says_the_job_with_its_article_and_the_day_in_the_companions_own_words()
    {
        var prompt = ChatPrompt.Build(Context("hi"));
        Assert.Contains("You work as a florist and live in Tokyo.", prompt);
        Assert.Contains("earlier this morning: I sold the last of the tulips before nine.", prompt);
        Assert.DoesNotContain("you I ", prompt, StringComparison.Ordinal);
    }
}
