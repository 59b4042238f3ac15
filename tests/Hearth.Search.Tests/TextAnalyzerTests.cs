namespace Hearth.Search.Tests;

public sealed class TextAnalyzerTests
{
    [Theory]
    // Examples from Porter's paper and the reference vocabulary/output lists.
    [InlineData("caresses", "caress")]
    [InlineData("ponies", "poni")]
    [InlineData("cats", "cat")]
    [InlineData("feed", "feed")]
    [InlineData("agreed", "agre")]
    [InlineData("plastered", "plaster")]
    [InlineData("motoring", "motor")]
    [InlineData("sing", "sing")]
    [InlineData("conflated", "conflat")]
    [InlineData("troubled", "troubl")]
    [InlineData("sized", "size")]
    [InlineData("hopping", "hop")]
    [InlineData("falling", "fall")]
    [InlineData("filing", "file")]
    [InlineData("happy", "happi")]
    [InlineData("relational", "relat")]
    [InlineData("conditional", "condit")]
    [InlineData("rational", "ration")]
    [InlineData("digitizer", "digit")]
    [InlineData("generalization", "gener")]
    [InlineData("hopefulness", "hope")]
    [InlineData("triplicate", "triplic")]
    [InlineData("electrical", "electr")]
    [InlineData("adjustment", "adjust")]
    [InlineData("adoption", "adopt")]
    [InlineData("probate", "probat")]
    [InlineData("controll", "control")]
    [InlineData("connections", "connect")]
    [InlineData("connecting", "connect")]
    public void Porter_stems_like_the_reference_implementation(string word, string stem) =>
        Assert.Equal(stem, PorterStemmer.Stem(word));

    [Fact]
    public void Analysis_lowercases_splits_drops_stop_words_and_stems()
    {
        Assert.Equal(["quick", "brown", "fox", "jump", "over", "lazi", "dog"],
            TextAnalyzer.Analyze("The QUICK brown-fox jumps over the lazy dog!"));
    }

    [Fact]
    public void Possessives_contractions_diacritics_and_numbers_are_handled()
    {
        Assert.Equal(["anna", "book"], TextAnalyzer.Analyze("Anna's book"));
        Assert.Equal(["dont", "worri"], TextAnalyzer.Analyze("don’t worry"));
        Assert.Equal(["cafe", "creme", "brule"], TextAnalyzer.Analyze("Café crème brûlée"));
        Assert.Equal(["v2", "384", "dimens"], TextAnalyzer.Analyze("v2 384-dimensions"));
    }

    [Fact]
    public void Ideographs_are_terms_of_their_own_and_emoji_separate_words()
    {
        Assert.Equal(["東", "京", "tower"], TextAnalyzer.Analyze("東京tower"));
        Assert.Equal(["love", "pizza"], TextAnalyzer.Analyze("love😀pizza"));
    }

    [Fact]
    public void Over_long_tokens_are_dropped()
    {
        Assert.Equal(["short"], TextAnalyzer.Analyze(new string('x', 65) + " short"));
    }
}
