using Npgsql;

namespace Hearth.Companions;

/// <summary>What a companion's life has lately been like, for the rules of its next slot.</summary>
/// <param name="LastAt">When the newest event in the window happened (null: none).</param>
/// <param name="Topics">The topics (template ids) of the window's events.</param>
public sealed record RecentLifeEvents(DateTimeOffset? LastAt, HashSet<string> Topics);

/// <summary>
/// The companions schema's statements that other features put in their own one-round-trip batches (the chat turn's
/// context, a life slot's facts): the SQL of <c>companions.scenarios</c> and <c>companions.life_events</c> stays here.
/// </summary>
public static class CompanionReads
{
    /// <summary>The scenario going on for the agent at <paramref name="at"/> (the newest one that has started and not ended).</summary>
    public static BatchRead<Scenario?> ActiveScenario(Guid owner, Guid agent, DateTimeOffset at) => new(
        Statement("""
            select id, agent_id, title, description, starts_at, ends_at, created_at from companions.scenarios
             where agent_id = @agent and owner_id = @owner and (starts_at is null or starts_at <= @at) and (ends_at is null or ends_at > @at)
             order by created_at desc limit 1
            """, owner, agent, ("at", at)),
        async (reader, ct) => await reader.ReadAsync(ct) ? AgentStore.ReadScenario(reader, 0) : null);

    /// <summary>The newest <paramref name="limit"/> events that happened in the <paramref name="window"/> up to <paramref name="at"/>, newest first.</summary>
    public static BatchRead<IReadOnlyList<LifeEvent>> LatestEvents(Guid owner, Guid agent, DateTimeOffset at, TimeSpan window, int limit) => new(
        Statement($"""
            select id, agent_id, occurred_at, kind, text, mood_delta, topic, created_at from companions.life_events
             where agent_id = @agent and owner_id = @owner and occurred_at <= @at and occurred_at > @at - @window
             order by occurred_at desc limit {limit}
            """, owner, agent, ("at", at), ("window", window)),
        async (reader, ct) =>
        {
            var events = new List<LifeEvent>();
            while (await reader.ReadAsync(ct)) events.Add(LifeEventStore.Read(reader));
            return events;
        });

    /// <summary>When the last event in the <paramref name="window"/> up to <paramref name="at"/> happened, and the topics of all of them.</summary>
    public static BatchRead<RecentLifeEvents> RecentEvents(Guid owner, Guid agent, DateTimeOffset at, TimeSpan window) => new(
        Statement("""
            select max(occurred_at), array_remove(array_agg(distinct topic), null) from companions.life_events
             where agent_id = @agent and owner_id = @owner and occurred_at > @at - @window and occurred_at <= @at
            """, owner, agent, ("at", at), ("window", window)),
        async (reader, ct) =>
        {
            await reader.ReadAsync(ct);
            return new RecentLifeEvents(
                reader.IsDBNull(0) ? null : reader.GetFieldValue<DateTimeOffset>(0),
                reader.IsDBNull(1) ? [] : new HashSet<string>(reader.GetFieldValue<string[]>(1), StringComparer.Ordinal));
        });

    /// <summary>The event written under <paramref name="dedupeKey"/> (a retried slot finds the one it wrote), or null.</summary>
    public static BatchRead<LifeEvent?> EventByKey(Guid owner, Guid agent, string dedupeKey) => new(
        Statement("select id, agent_id, occurred_at, kind, text, mood_delta, topic, created_at from companions.life_events where agent_id = @agent and owner_id = @owner and dedupe_key = @key",
            owner, agent, ("key", dedupeKey)),
        async (reader, ct) => await reader.ReadAsync(ct) ? LifeEventStore.Read(reader) : null);

    private static NpgsqlBatchCommand Statement(string sql, Guid owner, Guid agent, params (string Name, object Value)[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("agent", agent);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return command;
    }
}
