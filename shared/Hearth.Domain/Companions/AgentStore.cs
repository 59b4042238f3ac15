using System.Data.Common;
using Hearth.Durable;
using Hearth.Durable.Jobs;
using Npgsql;
using NpgsqlTypes;

namespace Hearth.Companions;

internal sealed class AgentStore(NpgsqlDataSource db, TimeProvider time) : IAgentStore
{
    internal const string Columns = """
        a.id, a.owner_id, a.name, a.bio, a.personality, a.speaking_style, a.boundaries, a.home_city, a.occupation, a.time_zone,
        a.appearance_prompt, a.base_image_media_id, a.availability::text, a.mood_baseline, a.mood, a.affinity, a.created_at, a.updated_at
        """;

    public async Task<Agent> CreateAsync(string ownerId, AgentDraft draft, int maxPerOwner, Func<Agent, DbTransaction, CancellationToken, Task>? inTransaction, CancellationToken ct)
    {
        var owner = Guid.Parse(ownerId);
        var now = time.GetUtcNow();
        var baseline = draft.MoodBaseline ?? Feelings.DefaultMoodBaseline;
        await using var durable = await db.BeginDurableAsync(ct); // the base portrait's start wakes workers after commit
        var connection = durable.Connection;
        var transaction = durable.Transaction;
        if (maxPerOwner > 0)
        {
            // One owner's creates take turns (a transaction lock, released at commit), so the count is exact when the insert runs.
            await using var count = new NpgsqlCommand("""
                select pg_advisory_xact_lock(hashtextextended('companions.agents:' || @owner::text, 0));
                select count(*) from companions.agents where owner_id = @owner;
                """, connection, transaction);
            count.Parameters.AddWithValue("owner", owner);
            await using var reader = await count.ExecuteReaderAsync(ct);
            await reader.NextResultAsync(ct);
            await reader.ReadAsync(ct);
            if (reader.GetInt64(0) >= maxPerOwner) throw new AgentLimitReachedException(maxPerOwner);
        }
        await using var command = new NpgsqlCommand($"""
            insert into companions.agents as a (id, owner_id, name, bio, personality, speaking_style, boundaries, home_city, occupation, time_zone,
                appearance_prompt, availability, mood_baseline, mood, affinity, created_at, updated_at)
            values (@id, @owner, @name, @bio, @personality, @speaking_style, @boundaries, @home_city, @occupation, @time_zone,
                @appearance_prompt, @availability::jsonb, @baseline, @baseline, @affinity, @now, @now)
            returning {Columns}
            """, connection, transaction);
        command.Parameters.AddWithValue("id", Ids.New());
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("name", draft.Name.Trim());
        command.Parameters.AddWithValue("bio", draft.Bio?.Trim() ?? "");
        command.Parameters.AddWithValue("personality", draft.Personality?.Trim() ?? "");
        command.Parameters.AddWithValue("speaking_style", draft.SpeakingStyle?.Trim() ?? "");
        command.Parameters.AddWithValue("boundaries", draft.Boundaries?.Trim() ?? "");
        command.Parameters.AddWithValue("home_city", draft.HomeCity?.Trim() ?? "");
        command.Parameters.AddWithValue("occupation", draft.Occupation?.Trim() ?? "");
        command.Parameters.AddWithValue("time_zone", draft.TimeZone.Trim());
        command.Parameters.Add(Text("appearance_prompt", string.IsNullOrWhiteSpace(draft.AppearancePrompt) ? null : draft.AppearancePrompt.Trim()));
        command.Parameters.AddWithValue("availability", DurableJson.Serialize(draft.Availability ?? WeeklyAvailability.Default));
        command.Parameters.AddWithValue("baseline", baseline);
        command.Parameters.AddWithValue("affinity", draft.Affinity ?? Feelings.DefaultAffinity);
        command.Parameters.AddWithValue("now", now);
        Agent agent;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            agent = Read(reader);
        }
        if (inTransaction is not null) await inTransaction(agent, transaction, ct);
        await durable.CommitAsync(ct);
        return agent;
    }

    public async Task<Agent?> FindAsync(string ownerId, string agentId, CancellationToken ct)
    {
        if (!Ids.TryParse(ownerId, out var owner) || !Ids.TryParse(agentId, out var id)) return null;
        await using var command = db.CreateCommand($"select {Columns} from companions.agents a where a.id = @id and a.owner_id = @owner");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("owner", owner);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    public async Task<IReadOnlyList<Agent>> ListAsync(string ownerId, string? afterId, int limit, CancellationToken ct)
    {
        if (!Ids.TryParse(ownerId, out var owner)) return [];
        Guid? after = null;
        if (afterId is not null)
        {
            if (!Ids.TryParse(afterId, out var parsed)) throw new InvalidCursorException();
            after = parsed;
        }
        await using var command = db.CreateCommand($"""
            select {Columns} from companions.agents a
             where a.owner_id = @owner and (@after::uuid is null or a.id < @after)
             order by a.id desc
             limit @limit
            """);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.Add(new NpgsqlParameter("after", NpgsqlDbType.Uuid) { Value = (object?)after ?? DBNull.Value });
        command.Parameters.AddWithValue("limit", limit);
        return await ReadAllAsync(command, ct);
    }

    public async Task<IReadOnlyList<Agent>> ListAllAsync(string? afterId, int limit, CancellationToken ct)
    {
        Guid? after = Ids.TryParse(afterId, out var parsed) ? parsed : null;
        await using var command = db.CreateCommand($"""
            select {Columns} from companions.agents a
             where @after::uuid is null or a.id > @after
             order by a.id
             limit @limit
            """);
        command.Parameters.Add(new NpgsqlParameter("after", NpgsqlDbType.Uuid) { Value = (object?)after ?? DBNull.Value });
        command.Parameters.AddWithValue("limit", limit);
        return await ReadAllAsync(command, ct);
    }

    public async Task<Agent?> UpdateAsync(string ownerId, string agentId, AgentChange change, CancellationToken ct)
    {
        if (!Ids.TryParse(ownerId, out var owner) || !Ids.TryParse(agentId, out var id)) return null;
        await using var command = db.CreateCommand($"""
            update companions.agents a set
                name = coalesce(@name, name),
                time_zone = coalesce(@time_zone, time_zone),
                bio = coalesce(@bio, bio),
                personality = coalesce(@personality, personality),
                speaking_style = coalesce(@speaking_style, speaking_style),
                boundaries = coalesce(@boundaries, boundaries),
                home_city = coalesce(@home_city, home_city),
                occupation = coalesce(@occupation, occupation),
                appearance_prompt = case when @appearance_prompt::text is null then appearance_prompt else nullif(@appearance_prompt, '') end,
                availability = coalesce(@availability::jsonb, availability),
                mood_baseline = coalesce(@baseline, mood_baseline),
                updated_at = @now
             where a.id = @id and a.owner_id = @owner
            returning {Columns}
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.Add(Text("name", change.Name?.Trim()));
        command.Parameters.Add(Text("time_zone", change.TimeZone?.Trim()));
        command.Parameters.Add(Text("bio", change.Bio?.Trim()));
        command.Parameters.Add(Text("personality", change.Personality?.Trim()));
        command.Parameters.Add(Text("speaking_style", change.SpeakingStyle?.Trim()));
        command.Parameters.Add(Text("boundaries", change.Boundaries?.Trim()));
        command.Parameters.Add(Text("home_city", change.HomeCity?.Trim()));
        command.Parameters.Add(Text("occupation", change.Occupation?.Trim()));
        command.Parameters.Add(Text("appearance_prompt", change.AppearancePrompt?.Trim()));
        command.Parameters.Add(Text("availability", change.Availability is null ? null : DurableJson.Serialize(change.Availability)));
        command.Parameters.Add(new NpgsqlParameter("baseline", NpgsqlDbType.Double) { Value = (object?)change.MoodBaseline ?? DBNull.Value });
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    public async Task<bool> DeleteAsync(string ownerId, string agentId, CancellationToken ct)
    {
        if (!Ids.TryParse(ownerId, out var owner) || !Ids.TryParse(agentId, out var id)) return false;
        await using var command = db.CreateCommand("delete from companions.agents where id = @id and owner_id = @owner");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("owner", owner);
        return await command.ExecuteNonQueryAsync(ct) > 0;
    }

    public async Task<bool> SetBasePortraitAsync(string ownerId, string agentId, string mediaId, CancellationToken ct)
    {
        if (!Ids.TryParse(ownerId, out var owner) || !Ids.TryParse(agentId, out var id)) return false;
        await using var command = db.CreateCommand("""
            update companions.agents set base_image_media_id = @media, updated_at = @now
             where id = @id and owner_id = @owner
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("media", mediaId);
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        return await command.ExecuteNonQueryAsync(ct) > 0;
    }

    public async Task<Scenario?> AddScenarioAsync(string ownerId, string agentId, ScenarioDraft draft, CancellationToken ct)
    {
        if (!Ids.TryParse(ownerId, out var owner) || !Ids.TryParse(agentId, out var id)) return null;
        await using var command = db.CreateCommand("""
            insert into companions.scenarios (id, owner_id, agent_id, title, description, starts_at, ends_at, created_at)
            select @sid, a.owner_id, a.id, @title, @description, @starts_at, @ends_at, @now
              from companions.agents a where a.id = @id and a.owner_id = @owner
            returning id, agent_id, title, description, starts_at, ends_at, created_at
            """);
        command.Parameters.AddWithValue("sid", Ids.New());
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("title", draft.Title.Trim());
        command.Parameters.AddWithValue("description", draft.Description?.Trim() ?? "");
        command.Parameters.Add(new NpgsqlParameter("starts_at", NpgsqlDbType.TimestampTz) { Value = (object?)draft.StartsAt ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("ends_at", NpgsqlDbType.TimestampTz) { Value = (object?)draft.EndsAt ?? DBNull.Value });
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadScenario(reader, 0) : null;
    }

    public async Task<IReadOnlyList<Scenario>?> ListScenariosAsync(string ownerId, string agentId, CancellationToken ct)
    {
        if (await FindAsync(ownerId, agentId, ct) is null) return null;
        await using var command = db.CreateCommand("""
            select id, agent_id, title, description, starts_at, ends_at, created_at
              from companions.scenarios where agent_id = @id and owner_id = @owner
             order by created_at desc, id desc
             limit 200
            """);
        command.Parameters.AddWithValue("id", Guid.Parse(agentId));
        command.Parameters.AddWithValue("owner", Guid.Parse(ownerId));
        var list = new List<Scenario>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) list.Add(ReadScenario(reader, 0));
        return list;
    }

    internal static NpgsqlParameter Text(string name, string? value) =>
        new(name, NpgsqlDbType.Text) { Value = (object?)value ?? DBNull.Value };

    private static async Task<IReadOnlyList<Agent>> ReadAllAsync(NpgsqlCommand command, CancellationToken ct)
    {
        var list = new List<Agent>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) list.Add(Read(reader));
        return list;
    }

    /// <summary>Reads <see cref="Columns"/> starting at <paramref name="at"/>.</summary>
    internal static Agent Read(NpgsqlDataReader reader, int at = 0) => new(
        reader.GetGuid(at).ToString(),
        reader.GetGuid(at + 1).ToString(),
        reader.GetString(at + 2),
        reader.GetString(at + 3),
        reader.GetString(at + 4),
        reader.GetString(at + 5),
        reader.GetString(at + 6),
        reader.GetString(at + 7),
        reader.GetString(at + 8),
        reader.GetString(at + 9),
        reader.IsDBNull(at + 10) ? null : reader.GetString(at + 10),
        reader.IsDBNull(at + 11) ? null : reader.GetString(at + 11),
        AvailabilityCache.Parse(reader.GetString(at + 12)),
        reader.GetDouble(at + 13),
        reader.GetDouble(at + 14),
        reader.GetDouble(at + 15),
        reader.GetFieldValue<DateTimeOffset>(at + 16),
        reader.GetFieldValue<DateTimeOffset>(at + 17));

    internal static Scenario ReadScenario(NpgsqlDataReader reader, int at) => new(
        reader.GetGuid(at).ToString(),
        reader.GetGuid(at + 1).ToString(),
        reader.GetString(at + 2),
        reader.GetString(at + 3),
        reader.IsDBNull(at + 4) ? null : reader.GetFieldValue<DateTimeOffset>(at + 4),
        reader.IsDBNull(at + 5) ? null : reader.GetFieldValue<DateTimeOffset>(at + 5),
        reader.GetFieldValue<DateTimeOffset>(at + 6));
}

/// <summary>Schedules repeat across turns; parse each distinct JSON once.</summary>
internal static class AvailabilityCache
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, WeeklyAvailability> Parsed = new(StringComparer.Ordinal);

    public static WeeklyAvailability Parse(string json)
    {
        if (Parsed.TryGetValue(json, out var known)) return known;
        var value = DurableJson.Deserialize<WeeklyAvailability>(json) ?? WeeklyAvailability.Default;
        if (Parsed.Count < 10_000) Parsed[json] = value;
        return value;
    }
}
