using Hearth.Companions;

namespace Hearth.Life.Tests;

/// <summary>The initiation rules on their own, at chosen instants.</summary>
public sealed class RulesTests
{
    private static readonly DateTimeOffset Wednesday = new(2025, 3, 5, 12, 0, 0, TimeSpan.Zero);

    private static InitiationFacts Facts(InitiationSettings? settings = null, string userZone = "UTC", string agentZone = "UTC", int today = 0, int week = 0,
        DateTimeOffset? user = null, DateTimeOffset? last = null, bool topicUsed = false) =>
        new(settings ?? new InitiationSettings(Enabled: true), userZone, agentZone, WeeklyAvailability.Default, today, week, user, last, topicUsed);

    [Fact]
    public void Every_rule_names_itself_and_a_clear_moment_passes()
    {
        Assert.Null(InitiationRules.Check(Facts(), Wednesday));
        Assert.Equal("initiations are off for this agent", InitiationRules.Check(Facts(new InitiationSettings()), Wednesday));
        Assert.Equal("the agent is muted", InitiationRules.Check(Facts(new InitiationSettings(Enabled: true, Muted: true)), Wednesday));
        Assert.Equal("daily cap of 2 reached", InitiationRules.Check(Facts(today: 2), Wednesday));
        Assert.Null(InitiationRules.Check(Facts(today: 1, week: 6), Wednesday));
        Assert.Equal("weekly cap of 7 reached", InitiationRules.Check(Facts(week: 7), Wednesday));
        Assert.Equal("the user wrote less than 4 h ago", InitiationRules.Check(Facts(user: Wednesday.AddHours(-3.9)), Wednesday));
        Assert.Null(InitiationRules.Check(Facts(user: Wednesday.AddHours(-4)), Wednesday));
        Assert.Equal("the agent wrote first less than 4 h ago", InitiationRules.Check(Facts(last: Wednesday.AddMinutes(-200)), Wednesday));
        Assert.Equal("the topic was already used", InitiationRules.Check(Facts(topicUsed: true), Wednesday));
    }

    [Theory]
    [InlineData("Europe/Berlin", 20, 59, false)]   // 21:59 Berlin (UTC+1 in March)
    [InlineData("Europe/Berlin", 21, 0, true)]     // 22:00 Berlin
    [InlineData("Europe/Berlin", 6, 59, true)]     // 07:59 Berlin
    [InlineData("Europe/Berlin", 7, 0, false)]     // 08:00 Berlin
    [InlineData("America/New_York", 3, 0, true)]   // 22:00 the day before in New York
    [InlineData("America/New_York", 2, 59, false)] // 21:59 the day before in New York
    [InlineData("America/New_York", 14, 0, false)] // 09:00 New York
    [InlineData("Asia/Tokyo", 14, 0, true)]        // 23:00 Tokyo
    public void Quiet_hours_wrap_midnight_in_the_users_zone(string zone, int utcHour, int utcMinute, bool quiet)
    {
        var at = new DateTimeOffset(2025, 3, 5, utcHour, utcMinute, 0, TimeSpan.Zero);
        Assert.Equal(quiet, InitiationRules.IsQuiet(new InitiationSettings(), zone, at));
        Assert.Equal(quiet, InitiationRules.Check(Facts(userZone: zone), at)?.StartsWith("quiet hours", StringComparison.Ordinal) == true);
    }

    [Fact]
    public void Quiet_hours_can_be_daytime_or_none_and_sleep_is_the_agents_own()
    {
        var daytime = new InitiationSettings(Enabled: true, QuietFrom: "09:00", QuietTo: "17:00");
        Assert.True(InitiationRules.IsQuiet(daytime, "UTC", Wednesday));
        Assert.False(InitiationRules.IsQuiet(daytime, "UTC", Wednesday.AddHours(6)));
        Assert.False(InitiationRules.IsQuiet(new InitiationSettings(QuietFrom: "00:00", QuietTo: "00:00"), "UTC", Wednesday.AddHours(12)));

        // 12:00 UTC is 04:00 in Los Angeles: the agent sleeps there (default 23:00-07:00) though the user in London is awake.
        var none = new InitiationSettings(Enabled: true, QuietFrom: "00:00", QuietTo: "00:00");
        Assert.Equal("the agent is asleep", InitiationRules.Check(Facts(none, "Europe/London", "America/Los_Angeles"), Wednesday));
        Assert.Null(InitiationRules.Check(Facts(none, "Europe/London", "Europe/London"), Wednesday));
    }

    [Fact]
    public void Settings_changes_are_validated_field_by_field()
    {
        var errors = new InitiationSettingsChange(DailyCap: 25, WeeklyCap: -1, QuietFrom: "7pm", QuietTo: "24:00", MinGapMinutes: 20000).Validate();
        Assert.Equal(["dailyCap", "weeklyCap", "quietFrom", "quietTo", "minGapMinutes"], errors.Select(e => e.Field));
        Assert.Empty(new InitiationSettingsChange(DailyCap: 0, QuietFrom: "23:30").Validate());
        Assert.Equal(new InitiationSettings(Enabled: true, DailyCap: 1), new InitiationSettingsChange(Enabled: true, DailyCap: 1).ApplyTo(InitiationSettings.Default));
    }

    [Fact]
    public void Webhook_signatures_cover_timestamp_and_body()
    {
        var signature = WebhookSignature.Compute("s3cret-s3cret-s3cret", 1700000000, "{\"a\":1}");
        Assert.Matches("^sha256=[0-9a-f]{64}$", signature);
        Assert.True(WebhookSignature.Verify("s3cret-s3cret-s3cret", 1700000000, "{\"a\":1}", signature));
        Assert.False(WebhookSignature.Verify("s3cret-s3cret-s3cret", 1700000001, "{\"a\":1}", signature));
        Assert.False(WebhookSignature.Verify("s3cret-s3cret-s3cret", 1700000000, "{\"a\":2}", signature));
        Assert.False(WebhookSignature.Verify("other-secret-000000", 1700000000, "{\"a\":1}", signature));
        Assert.NotEqual(WebhookSignature.NewSecret(), WebhookSignature.NewSecret());
    }
}
