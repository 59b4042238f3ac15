namespace Hearth.Companions;

/// <summary>A companion owned by one user: persona, identity, look, weekly availability and current feelings.</summary>
/// <param name="Mood">Current mood, -1 (upset) .. 1 (elated).</param>
/// <param name="Affinity">How close the companion feels to its user, 0 .. 100.</param>
public sealed record Agent(
    string Id,
    string OwnerId,
    string Name,
    string Bio,
    string Personality,
    string SpeakingStyle,
    string Boundaries,
    string HomeCity,
    string Occupation,
    string TimeZone,
    string? AppearancePrompt,
    string? BaseImageMediaId,
    WeeklyAvailability Availability,
    double MoodBaseline,
    double Mood,
    double Affinity,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>The agent's zone (UTC when the stored name is unknown on this machine).</summary>
    public TimeZoneInfo Zone => AgentClock.ZoneOf(TimeZone);
}

/// <summary>What a new agent is made of. Only <see cref="Name"/> and <see cref="TimeZone"/> are required.</summary>
public sealed record AgentDraft(
    string Name,
    string TimeZone,
    string? Bio = null,
    string? Personality = null,
    string? SpeakingStyle = null,
    string? Boundaries = null,
    string? HomeCity = null,
    string? Occupation = null,
    string? AppearancePrompt = null,
    WeeklyAvailability? Availability = null,
    double? MoodBaseline = null,
    double? Affinity = null);

/// <summary>A change to an agent; null fields stay as they are (an empty string clears a text field).</summary>
public sealed record AgentChange(
    string? Name = null,
    string? TimeZone = null,
    string? Bio = null,
    string? Personality = null,
    string? SpeakingStyle = null,
    string? Boundaries = null,
    string? HomeCity = null,
    string? Occupation = null,
    string? AppearancePrompt = null,
    WeeklyAvailability? Availability = null,
    double? MoodBaseline = null);

/// <summary>A situation the agent is in for a while (a trip, exam week, a new job).</summary>
/// <param name="StartsAt">Null: active from now on.</param>
/// <param name="EndsAt">Null: open-ended.</param>
public sealed record Scenario(string Id, string AgentId, string Title, string Description, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, DateTimeOffset CreatedAt)
{
    public bool IsActiveAt(DateTimeOffset at) => (StartsAt is null || StartsAt <= at) && (EndsAt is null || EndsAt > at);
}

/// <summary>A new scenario.</summary>
public sealed record ScenarioDraft(string Title, string? Description = null, DateTimeOffset? StartsAt = null, DateTimeOffset? EndsAt = null);

/// <summary>Field rules of agents and scenarios, shared by the API and the stores.</summary>
public static class AgentRules
{
    public const int MaxName = 80;
    public const int MaxShortText = 200;
    public const int MaxLongText = 4000;

    /// <summary>Field errors of a draft (empty when valid).</summary>
    public static List<(string Field, string Error)> Validate(AgentDraft draft)
    {
        var errors = new List<(string, string)>();
        Name(draft.Name, errors);
        Zone(draft.TimeZone, errors);
        Texts(errors, ("bio", draft.Bio, MaxLongText), ("personality", draft.Personality, MaxLongText), ("speakingStyle", draft.SpeakingStyle, MaxLongText),
            ("boundaries", draft.Boundaries, MaxLongText), ("homeCity", draft.HomeCity, MaxShortText), ("occupation", draft.Occupation, MaxShortText),
            ("appearancePrompt", draft.AppearancePrompt, MaxLongText));
        if (draft.MoodBaseline is { } baseline && !(baseline is >= -1 and <= 1)) errors.Add(("moodBaseline", "must be between -1 and 1"));
        if (draft.Affinity is { } affinity && !(affinity is >= 0 and <= 100)) errors.Add(("affinity", "must be between 0 and 100"));
        if (draft.Availability is { } availability) errors.AddRange(availability.Validate());
        return errors;
    }

    /// <summary>Field errors of a change (empty when valid).</summary>
    public static List<(string Field, string Error)> Validate(AgentChange change)
    {
        var errors = new List<(string, string)>();
        if (change.Name is not null) Name(change.Name, errors);
        if (change.TimeZone is not null) Zone(change.TimeZone, errors);
        Texts(errors, ("bio", change.Bio, MaxLongText), ("personality", change.Personality, MaxLongText), ("speakingStyle", change.SpeakingStyle, MaxLongText),
            ("boundaries", change.Boundaries, MaxLongText), ("homeCity", change.HomeCity, MaxShortText), ("occupation", change.Occupation, MaxShortText),
            ("appearancePrompt", change.AppearancePrompt, MaxLongText));
        if (change.MoodBaseline is { } baseline && !(baseline is >= -1 and <= 1)) errors.Add(("moodBaseline", "must be between -1 and 1"));
        if (change.Availability is { } availability) errors.AddRange(availability.Validate());
        return errors;
    }

    /// <summary>Field errors of a scenario draft.</summary>
    public static List<(string Field, string Error)> Validate(ScenarioDraft draft)
    {
        var errors = new List<(string, string)>();
        if (string.IsNullOrWhiteSpace(draft.Title)) errors.Add(("title", "must not be empty"));
        else if (draft.Title.Trim().Length > MaxShortText) errors.Add(("title", $"must be at most {MaxShortText} characters"));
        if (draft.Description is { Length: > MaxLongText }) errors.Add(("description", $"must be at most {MaxLongText} characters"));
        if (draft is { StartsAt: { } start, EndsAt: { } end } && end <= start) errors.Add(("endsAt", "must be after startsAt"));
        return errors;
    }

    private static void Name(string? name, List<(string, string)> errors)
    {
        if (string.IsNullOrWhiteSpace(name)) errors.Add(("name", "must not be empty"));
        else if (name.Trim().Length > MaxName) errors.Add(("name", $"must be at most {MaxName} characters"));
    }

    private static void Zone(string? zone, List<(string, string)> errors)
    {
        if (string.IsNullOrWhiteSpace(zone)) errors.Add(("timezone", "must not be empty"));
        else if (!Identity.TimeZones.IsKnown(zone)) errors.Add(("timezone", $"'{zone}' is not an IANA time zone name such as 'Europe/Paris'"));
    }

    private static void Texts(List<(string, string)> errors, params (string Field, string? Value, int Max)[] fields)
    {
        foreach (var (field, value, max) in fields)
            if (value is not null && value.Length > max) errors.Add((field, $"must be at most {max} characters"));
    }
}
