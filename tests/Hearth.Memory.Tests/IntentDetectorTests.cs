namespace Hearth.Memory.Tests;

/// <summary>The documented intent rules (docs/memory.md), one row per phrasing.</summary>
public sealed class IntentDetectorTests
{
    [Theory]
    [InlineData("Who are you?", MemoryIntent.Self)]
    [InlineData("what are you exactly", MemoryIntent.Self)]
    [InlineData("Tell me about yourself", MemoryIntent.Self)]
    [InlineData("What's your name?", MemoryIntent.Self)]
    [InlineData("are you a bot?", MemoryIntent.Self)]
    [InlineData("What can you do for me?", MemoryIntent.Self)]
    [InlineData("Why did we choose Postgres over MySQL?", MemoryIntent.Decisions)]
    [InlineData("why did I pick the blue tiles", MemoryIntent.Decisions)]
    [InlineData("What did we decide about the logo?", MemoryIntent.Decisions)]
    [InlineData("Why are we using React instead of Vue?", MemoryIntent.Decisions)]
    [InlineData("What's next?", MemoryIntent.NextSteps)]
    [InlineData("what is next on the project", MemoryIntent.NextSteps)]
    [InlineData("Any next steps for the launch?", MemoryIntent.NextSteps)]
    [InlineData("show me my todo list", MemoryIntent.NextSteps)]
    [InlineData("What should I work on today?", MemoryIntent.NextSteps)]
    [InlineData("what's left to do", MemoryIntent.NextSteps)]
    [InlineData("Where was I?", MemoryIntent.WhereWasI)]
    [InlineData("where were we", MemoryIntent.WhereWasI)]
    [InlineData("What were we talking about yesterday?", MemoryIntent.WhereWasI)]
    [InlineData("where did we leave off with the novel", MemoryIntent.WhereWasI)]
    [InlineData("Catch me up", MemoryIntent.WhereWasI)]
    [InlineData("What is my sister's name?", MemoryIntent.Question)]
    [InlineData("do you remember my dog", MemoryIntent.Question)]
    [InlineData("Did I ever tell you about Lisbon", MemoryIntent.Question)]
    [InlineData("I had a long day.", MemoryIntent.None)]
    [InlineData("thanks!", MemoryIntent.None)]
    [InlineData("", MemoryIntent.None)]
    public void Detects_the_intent(string text, MemoryIntent expected) => Assert.Equal(expected, IntentDetector.Detect(text));

    [Fact]
    public void Content_words_leave_out_question_words_and_keep_the_subject()
    {
        Assert.Equal(["sister", "favourit", "flower"], IntentDetector.ContentTerms("What is my sister's favourite flower?"));
        Assert.Equal("sister's favourite flower", IntentDetector.ContentText("What is my sister's favourite flower?"));
        Assert.Equal("What did I say?", IntentDetector.ContentText("What did I say?")); // nothing left: the text itself
    }

    [Fact]
    public void Coverage_counts_content_words_found_in_passages_together()
    {
        var terms = IntentDetector.ContentTerms("Which came first, my eye test or my blood test?");
        Assert.Equal(["ey", "test", "blood"], terms);
        Assert.False(IntentDetector.Covers(terms, ["Eye test today."], 0.7));
        Assert.True(IntentDetector.Covers(terms, ["Eye test today.", "A blood test this morning."], 0.7));
        Assert.False(IntentDetector.Covers([], ["anything"], 0.1));
        Assert.False(IntentDetector.Covers(terms, ["unrelated"], 0));
    }

    [Theory]
    [InlineData("What colour is my laptop?", "It is a silver laptop.", "My laptop is getting slow.")]
    [InlineData("What's the color of my car?", "The car is dark blue.", "I washed the car.")]
    [InlineData("How much rent do I pay?", "Rent is 1,150 euros.", "The rent went up again.")]
    [InlineData("How much did the bike cost?", "It was six hundred euros.", "I bought a bike.")]
    [InlineData("How old is my niece?", "Mia turns four tomorrow.", "My niece Mia loves drawing.")]
    public void A_question_for_a_closed_class_of_values_needs_such_a_value(string question, string answers, string doesNot)
    {
        var expected = Assert.IsType<System.Text.RegularExpressions.Regex>(Abstention.ExpectedAnswer(question), exactMatch: false);
        Assert.Matches(expected, answers);
        Assert.DoesNotMatch(expected, doesNot);
    }

    [Theory]
    [InlineData("What breed is my dog?")]
    [InlineData("How much time do I spend commuting?")]
    [InlineData("How much do I like jazz?")]
    [InlineData("How long is my commute?")]
    public void Other_questions_expect_no_class_of_values(string question) => Assert.Null(Abstention.ExpectedAnswer(question));
}
