using Hearth.Chat;
using Hearth.Companions;
using Hearth.Models;

namespace Hearth.Functions.Chat;

/// <summary>A new agent: <c>name</c> and <c>timezone</c> are required.</summary>
public sealed record CreateAgentRequest(
    string? Name,
    string? Timezone,
    string? Bio = null,
    string? Personality = null,
    string? SpeakingStyle = null,
    string? Boundaries = null,
    string? HomeCity = null,
    string? Occupation = null,
    string? AppearancePrompt = null,
    IReadOnlyList<AvailabilityBlock>? Availability = null,
    double? MoodBaseline = null)
{
    public AgentDraft ToDraft() => new(Name ?? "", Timezone ?? "", Bio, Personality, SpeakingStyle, Boundaries, HomeCity, Occupation, AppearancePrompt,
        Availability is null ? null : new WeeklyAvailability(Availability), MoodBaseline);
}

/// <summary>A change to an agent; absent fields stay, an empty string clears a text field.</summary>
public sealed record UpdateAgentRequest(
    string? Name = null,
    string? Timezone = null,
    string? Bio = null,
    string? Personality = null,
    string? SpeakingStyle = null,
    string? Boundaries = null,
    string? HomeCity = null,
    string? Occupation = null,
    string? AppearancePrompt = null,
    IReadOnlyList<AvailabilityBlock>? Availability = null,
    double? MoodBaseline = null)
{
    public AgentChange ToChange() => new(Name, Timezone, Bio, Personality, SpeakingStyle, Boundaries, HomeCity, Occupation, AppearancePrompt,
        Availability is null ? null : new WeeklyAvailability(Availability), MoodBaseline);
}

/// <summary>Mood as shown: value (-1..1) and its word.</summary>
public sealed record MoodView(double Value, string Label, double Baseline);

/// <summary>Affinity as shown: value (0..100) and its band.</summary>
public sealed record AffinityView(double Value, string Band);

/// <summary>An agent as the API shows it. <c>portraitJobId</c> is set on creation when a base portrait job was started.</summary>
public sealed record AgentResponse(
    string Id,
    string Name,
    string Bio,
    string Personality,
    string SpeakingStyle,
    string Boundaries,
    string HomeCity,
    string Occupation,
    string Timezone,
    string? AppearancePrompt,
    string? BaseImageMediaId,
    IReadOnlyList<AvailabilityBlock> Availability,
    MoodView Mood,
    AffinityView Affinity,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? PortraitJobId = null)
{
    public static AgentResponse From(Agent a, string? portraitJobId = null) => new(
        a.Id, a.Name, a.Bio, a.Personality, a.SpeakingStyle, a.Boundaries, a.HomeCity, a.Occupation, a.TimeZone, a.AppearancePrompt, a.BaseImageMediaId,
        a.Availability.Blocks, new MoodView(a.Mood, Feelings.MoodLabel(a.Mood), a.MoodBaseline), new AffinityView(a.Affinity, Feelings.AffinityBand(a.Affinity)),
        a.CreatedAt, a.UpdatedAt, portraitJobId);
}

/// <summary>Hints for a drafted persona; all optional.</summary>
public sealed record GenerateAgentRequest(string? Hints = null, string? AppearancePrompt = null, string? Name = null, string? Timezone = null);

/// <summary>A drafted persona (POST it to /api/agents to create the agent), who drafted it, and what was wrong with a configured model's drafts when the hints had to serve instead (empty otherwise).</summary>
public sealed record GenerateAgentResponse(CreateAgentRequest Draft, string Provider, string Model, IReadOnlyList<string> Problems);

/// <summary>A new scenario.</summary>
public sealed record CreateScenarioRequest(string? Title, string? Description = null, DateTimeOffset? StartsAt = null, DateTimeOffset? EndsAt = null);

/// <summary>A scenario as shown, with whether it is active now.</summary>
public sealed record ScenarioResponse(string Id, string Title, string Description, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, bool Active, DateTimeOffset CreatedAt)
{
    public static ScenarioResponse From(Scenario s, DateTimeOffset now) => new(s.Id, s.Title, s.Description, s.StartsAt, s.EndsAt, s.IsActiveAt(now), s.CreatedAt);
}

/// <summary>A chat message to the agent.</summary>
public sealed record ChatRequest(string? Text, string? ClientMessageId = null);

/// <summary>The user's message as stored.</summary>
public sealed record UserMessageView(string Id, string Text, DateTimeOffset CreatedAt, string? ClientMessageId);

/// <summary>Affinity after the turn and the change it made.</summary>
public sealed record AffinityChange(double Value, double Delta, string Band);

/// <summary>
/// A chat turn's answer (<c>loreUsed</c>: the lorebook entries put into the prompt). <c>provider</c> is <c>offline</c> when the offline responder answered. <c>replayed</c> is true
/// when this is the stored answer to an earlier request with the same client message id.
/// </summary>
public sealed record ChatResponse(
    UserMessageView UserMessage,
    ChatReply Reply,
    MoodState Mood,
    AffinityChange Affinity,
    string Provider,
    string Model,
    IReadOnlyList<MemoryUsed> MemoriesUsed,
    string? ImageJobId,
    PictureOutcome? Picture,
    TokenUsage? Usage,
    string SessionId,
    bool Replayed,
    IReadOnlyList<LoreUsed> LoreUsed)
{
    public static ChatResponse From(ChatTurnResult r) => new(
        new UserMessageView(r.UserMessage.Id, r.UserMessage.Text, r.UserMessage.CreatedAt, r.UserMessage.ClientMessageId),
        r.Reply, r.Mood, new AffinityChange(r.Affinity.Value, r.Affinity.Delta, r.Affinity.Band), r.Provider, r.Model, r.MemoriesUsed,
        r.ImageJobId, r.Picture, r.Usage, r.SessionId, r.Replayed, r.LoreUsed ?? []);
}

/// <summary>Where the agent is in its day.</summary>
public sealed record AgentStateResponse(
    string AgentId,
    MoodView Mood,
    AffinityView Affinity,
    AvailabilityState Availability,
    string LocalTime,
    string Timezone,
    string PartOfDay,
    string? Weather,
    ScenarioResponse? Scenario,
    IReadOnlyList<FeelingRecord> RecentChanges);
