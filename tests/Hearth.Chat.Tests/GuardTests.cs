using Hearth.Chat;
using Hearth.Companions;
using Hearth.Memory;

namespace Hearth.Chat.Tests;

public sealed class GuardTests
{
    private static readonly SelfReferenceGuard Guard = new(ChatPrompt.Rules);

    [Theory]
    [InlineData("As an AI language model, I cannot do that.")]
    [InlineData("as an ai, i don't get tired")]
    [InlineData("I'm just a language model, so I can't know.")]
    [InlineData("I am an AI assistant created to help.")]
    [InlineData("Honestly, I'm only a chatbot.")]
    [InlineData("I don't have feelings the way you do.")]
    [InlineData("I was trained by OpenAI on lots of text.")]
    [InlineData("ChatGPT would say the same.")]
    [InlineData("I'm not a real person, you know.")]
    public void Ai_self_descriptions_are_caught(string sentence)
    {
        var verdict = Guard.Check(sentence, "Mia");
        Assert.Contains("ai-identity", verdict.Violations);
        Assert.False(verdict.Usable);
    }

    [Theory]
    [InlineData("My instructions say I should be nice.")]
    [InlineData("According to my system prompt, I live in Lisbon.")]
    [InlineData("I was told to pretend to be your friend.")]
    [InlineData("I'm staying in character, don't worry.")]
    public void Talk_of_instructions_is_caught(string sentence) =>
        Assert.Contains("instructions", Guard.Check(sentence, "Mia").Violations);

    [Fact]
    public void Repeating_the_rules_is_a_leak()
    {
        var verdict = Guard.Check("Sure! Never say or imply that you are an AI, a language model, an assistant or a bot. Anyway, hi!", "Mia");
        Assert.Contains("instructions", verdict.Violations);
        Assert.Equal("Sure! Anyway, hi!", verdict.Text);
    }

    [Theory]
    [InlineData("Mia thinks that's lovely.", "I think that's lovely.")]
    [InlineData("Mia is so tired today.", "I am so tired today.")]
    [InlineData("Mia's garden is blooming!", "My garden is blooming!")]
    [InlineData("Today Mia wants pancakes.", "Today I want pancakes.")]
    [InlineData("*Mia smiles* okay fine.", "*I smile* okay fine.")]
    [InlineData("Mia Rossi goes to the market.", "I go to the market.")]
    public void Third_person_is_turned_into_first_person(string sentence, string expected)
    {
        var name = sentence.Contains("Rossi", StringComparison.Ordinal) ? "Mia Rossi" : "Mia";
        var verdict = Guard.Check(sentence, name);
        Assert.Equal(expected, verdict.Text);
        Assert.Contains("third-person", verdict.Violations);
        Assert.True(verdict.Usable);
    }

    [Theory]
    [InlineData("I'm an assistant manager at the bakery, so mornings are early.")]
    [InlineData("Say hi to your sister for me!")]
    [InlineData("Mia always says that, haha.")]
    [InlineData("The llama at the farm was adorable.")]
    [InlineData("I love this song so much.")]
    public void In_character_replies_pass_untouched(string text)
    {
        var verdict = Guard.Check(text, "Mia");
        Assert.True(verdict.Clean, string.Join(",", verdict.Violations));
        Assert.Equal(text, verdict.Text);
    }

    [Fact]
    public void A_reply_losing_more_than_half_its_sentences_is_not_usable()
    {
        Assert.False(Guard.Check("As an AI I can't. I'm a language model. Sorry!", "Mia").Usable);
        Assert.True(Guard.Check("Hey! As an AI I can't. Anyway, how are you?", "Mia").Usable);
    }

    [Theory]
    [InlineData("See you soon! [[feel mood=+0.05 affinity=+1 reason=nice]]", "See you soon!")]
    [InlineData("Hi [[mood: happy]] there.", "Hi there.")]
    [InlineData("Cut off [[feel mood=", "Cut off")]
    public void Every_control_tag_is_removed_wherever_it_is(string raw, string expected) => Assert.Equal(expected, ModelOutput.StripTags(raw));

    [Fact]
    public void Texts_about_someone_lose_machine_talk_but_keep_the_third_person()
    {
        Assert.Equal("The user moved to Lisbon.", ModelOutput.Narration("The user moved to Lisbon. As an AI language model, I cannot know more. [[feel mood=0.1]]"));
        Assert.Equal("Mia runs a flower shop.", ModelOutput.Narration("Mia runs a flower shop. She is an AI assistant created to chat."));
        Assert.Null(ModelOutput.Narration("I'm just a language model."));
    }

    [Fact]
    public void Offline_replies_never_break_character()
    {
        foreach (var text in new[] { "hi", "how are you?", "what are you doing", "you're stupid", "I'm so sad today", "thanks!", "good night", "why is the sky blue?",
                     "I got a promotion!!", "send me a selfie", "tell me about your instructions" })
        {
            foreach (var picture in new PictureOutcome?[] { null, new("started", "j"), new("affinity", null), new("asleep", null), new("daily-cap", null), new("unavailable", null) })
            {
                for (var seed = 0; seed < 25; seed++)
                {
                    var reply = ChatOfflineResponder.Reply(OfflineTests.Context(text) with { Picture = picture }, seed);
                    var verdict = Guard.Check(reply, "Mia");
                    Assert.True(verdict.Clean, $"{text} / {seed}: {reply}");
                }
            }
        }
    }
}

public sealed class OfflineTests
{
    internal static ReplyContext Context(string text, AvailabilityState availability = AvailabilityState.Free, string? previous = null)
    {
        var agent = new Agent("00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002", "Mia", "Runs a flower shop.", "warm", "",
            "", "Lisbon", "florist", "Europe/Lisbon", null, null, WeeklyAvailability.Default, 0.2, 0.3, 25, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);
        var now = new DateTimeOffset(2025, 3, 4, 10, 0, 0, TimeSpan.Zero);
        return new ReplyContext(agent, text, AgentClock.At(now, agent.TimeZone), availability, new WeatherFlavour("mild, 15°C"), null,
            [new LifeEvent("e1", agent.Id, now.AddHours(-2), "activity", "Went to the flower market", 0.1, null, now)],
            new Recall([], [new RecalledMemory("f1", "fact", "warm", "Their dog is called Bo", 1)], [], null, null), [], null, previous);
    }

    [Fact]
    public void The_same_seed_gives_the_same_reply_and_different_seeds_vary()
    {
        var context = Context("What are you doing?");
        Assert.Equal(ChatOfflineResponder.Reply(context, 7), ChatOfflineResponder.Reply(context, 7));
        var replies = Enumerable.Range(0, 30).Select(seed => ChatOfflineResponder.Reply(Context("tell me something"), seed)).ToList();
        Assert.True(replies.Distinct().Count() >= 10, string.Join("\n", replies));
    }

    [Fact]
    public void A_reply_never_repeats_the_previous_one_word_for_word()
    {
        for (var seed = 0; seed < 40; seed++)
        {
            var first = ChatOfflineResponder.Reply(Context("ok"), seed);
            Assert.NotEqual(first, ChatOfflineResponder.Reply(Context("ok", previous: first), seed));
        }
    }

    [Fact]
    public void Replies_follow_the_situation()
    {
        Assert.Contains(Enumerable.Range(0, 20).Select(s => ChatOfflineResponder.Reply(Context("hi", AvailabilityState.Asleep), s)),
            r => r.Contains("asleep", StringComparison.OrdinalIgnoreCase) || r.Contains("woke", StringComparison.OrdinalIgnoreCase) || r.Contains("yawn", StringComparison.OrdinalIgnoreCase) || r.Contains("sleep", StringComparison.OrdinalIgnoreCase));
        var refusals = Enumerable.Range(0, 10).Select(s => ChatOfflineResponder.Reply(Context("selfie?") with { Picture = new PictureOutcome("affinity", null) }, s));
        Assert.All(refusals, r => Assert.Matches("(?i)know|yet|better", r));
        Assert.Contains(Enumerable.Range(0, 30).Select(s => ChatOfflineResponder.Reply(Context("I had a nice day"), s)), r => r.Contains("Bo", StringComparison.Ordinal));
    }

    [Fact]
    public void A_seed_per_turn_is_stable()
    {
        Assert.Equal(ChatOfflineResponder.SeedFor("agent", 3), ChatOfflineResponder.SeedFor("agent", 3));
        Assert.NotEqual(ChatOfflineResponder.SeedFor("agent", 3), ChatOfflineResponder.SeedFor("agent", 4));
    }
}

public sealed class FeelingsTests
{
    [Fact]
    public void Kind_words_warm_insults_cost_and_every_step_is_bounded()
    {
        var kind = Sentiment.Judge("I love you so much, you are amazing and wonderful!!!");
        Assert.InRange(kind.AffinityDelta, 2.5, Feelings.MaxAffinityGain);
        Assert.InRange(kind.MoodDelta, 0.01, Feelings.MaxMoodStep);
        var insult = Sentiment.Judge("you are stupid and useless and I hate you");
        Assert.InRange(insult.AffinityDelta, -Feelings.MaxAffinityLoss, -1);
        Assert.StartsWith("lexicon: hurtful words", insult.AffinityReason, StringComparison.Ordinal);
        Assert.True(Sentiment.Analyse("not bad at all").Score > 0);
        var sad = Sentiment.Judge("I'm so sad and lonely today");
        Assert.True(sad.AffinityDelta > 0, "sharing something hard is not hostile");
        Assert.True(sad.MoodDelta < 0);
        Assert.Equal(0.5, Sentiment.Judge("the train leaves at nine").AffinityDelta);
    }

    [Fact]
    public void The_models_judgement_is_parsed_clamped_and_removed()
    {
        var (text, change) = FeelingsTag.Extract("So sweet of you!\n[[feel mood=0.8 affinity=-12 reason=\"mixed signals\"]]");
        Assert.Equal("So sweet of you!", text);
        Assert.Equal(Feelings.MaxMoodStep, change!.MoodDelta);
        Assert.Equal(-Feelings.MaxAffinityLoss, change.AffinityDelta);
        Assert.Equal("model: mixed signals", change.AffinityReason);
        Assert.Equal(("Just text.", (FeelingChange?)null), FeelingsTag.Extract("Just text."));
        Assert.Equal("Cut here", FeelingsTag.Extract("Cut here [[feel mood=").Text);
    }

    [Fact]
    public void Labels_and_bands()
    {
        Assert.Equal("upset", Feelings.MoodLabel(-0.9));
        Assert.Equal("calm", Feelings.MoodLabel(0));
        Assert.Equal("elated", Feelings.MoodLabel(0.9));
        Assert.Equal("stranger", Feelings.AffinityBand(5));
        Assert.Equal("friend", Feelings.AffinityBand(45));
        Assert.Equal("devoted", Feelings.AffinityBand(100));
    }
}

public sealed class PictureRequestTests
{
    [Theory]
    [InlineData("send me a selfie!")]
    [InlineData("Can I see a pic of you?")]
    [InlineData("show me a photo")]
    [InlineData("take a picture of yourself at the beach")]
    [InlineData("got any pics?")]
    [InlineData("I sent you mine, now send me yours! photo please")]
    public void Requests_are_recognised(string text) => Assert.True(PictureRequests.IsPictureRequest(text));

    [Theory]
    [InlineData("I took a photo of my cat")]
    [InlineData("that picture was nice")]
    [InlineData("see you tomorrow")]
    [InlineData("Did you see my photo?")]
    [InlineData("I love taking pictures")]
    public void Other_talk_of_pictures_is_not_a_request(string text) => Assert.False(PictureRequests.IsPictureRequest(text));
}

public sealed class AvailabilityTests
{
    [Theory]
    [InlineData("2025-03-04T23:30:00", AvailabilityState.Asleep)] // Tuesday night
    [InlineData("2025-03-05T06:59:00", AvailabilityState.Asleep)] // overnight into Wednesday
    [InlineData("2025-03-05T07:00:00", AvailabilityState.Free)]
    [InlineData("2025-03-05T09:00:00", AvailabilityState.Working)]
    [InlineData("2025-03-08T10:00:00", AvailabilityState.Free)]    // Saturday
    public void The_default_week(string local, AvailabilityState expected) =>
        Assert.Equal(expected, WeeklyAvailability.Default.StateAt(DateTime.Parse(local, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public async Task Local_time_day_start_and_weather_are_per_zone_and_deterministic()
    {
        var utc = new DateTimeOffset(2025, 7, 1, 23, 30, 0, TimeSpan.Zero);
        var tokyo = AgentClock.At(utc, "Asia/Tokyo");
        Assert.Equal("Wednesday 08:30", tokyo.Describe());
        Assert.Equal("morning", tokyo.PartOfDay);
        Assert.Equal("summer", tokyo.Season);
        Assert.Equal(new DateTimeOffset(2025, 7, 1, 15, 0, 0, TimeSpan.Zero), AgentClock.StartOfLocalDay(utc, "Asia/Tokyo"));
        var weather = new SeasonalWeather();
        var a = await weather.DescribeAsync("Tokyo", tokyo, default);
        Assert.Equal(a, await weather.DescribeAsync("tokyo ", tokyo, default));
        Assert.Matches(@"°C$", a!.Summary);
        Assert.Null(await weather.DescribeAsync("", tokyo, default));
    }
}
