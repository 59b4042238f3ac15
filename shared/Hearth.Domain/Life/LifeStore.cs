using Hearth.Companions;
using Hearth.Durable.Jobs;
using Npgsql;
using NpgsqlTypes;

namespace Hearth.Life;

/// <summary>
/// SQL of the offline life (schema <c>life</c>): initiation settings, initiations, notifications, webhooks, and the
/// scenario change the companions store lacks. Always scoped to the owner: someone else's agent reads as absent.
/// </summary>
public sealed class LifeStore
{
    private const string InitiationColumns = "i.id, i.agent_id, i.slot, i.topic, i.text, i.planned_at, i.send_at, i.status, i.reason, i.message_id, i.sent_at";
    private const string NotificationColumns = "n.id, n.agent_id, n.agent_name, n.initiation_id, n.message_id, n.text, n.created_at, n.read_at";
    private readonly NpgsqlDataSource _db;
    private readonly TimeProvider _time;

    public LifeStore(NpgsqlDataSource db, TimeProvider time)
    {
        _db = db;
        _time = time;
    }

    /// <summary>The agent's initiation settings (defaults when never set); null when the agent is not the owner's.</summary>
    public async Task<InitiationSettings?> GetSettingsAsync(string ownerId, string agentId, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner) || !Guid.TryParse(agentId, out var agent)) return null;
        await using var command = _db.CreateCommand("""
            select s.enabled, s.muted, s.daily_cap, s.weekly_cap, s.quiet_from, s.quiet_to, s.min_gap_minutes, s.agent_id is not null
              from companions.agents a left join life.initiation_settings s on s.agent_id = a.id
             where a.id = @agent and a.owner_id = @owner
            """);
        command.Parameters.AddWithValue("agent", agent);
        command.Parameters.AddWithValue("owner", owner);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return reader.GetBoolean(7) ? ReadSettings(reader, 0) : InitiationSettings.Default;
    }

    /// <summary>Applies a change (validate first); null when the agent is not the owner's.</summary>
    public async Task<InitiationSettings?> UpdateSettingsAsync(string ownerId, string agentId, InitiationSettingsChange change, CancellationToken ct)
    {
        if (await GetSettingsAsync(ownerId, agentId, ct) is not { } current) return null;
        var next = change.ApplyTo(current);
        await using var command = _db.CreateCommand("""
            insert into life.initiation_settings (agent_id, owner_id, enabled, muted, daily_cap, weekly_cap, quiet_from, quiet_to, min_gap_minutes, updated_at)
            select a.id, a.owner_id, @enabled, @muted, @daily, @weekly, @from, @to, @gap, @now from companions.agents a where a.id = @agent and a.owner_id = @owner
            on conflict (agent_id) do update set enabled = excluded.enabled, muted = excluded.muted, daily_cap = excluded.daily_cap,
                weekly_cap = excluded.weekly_cap, quiet_from = excluded.quiet_from, quiet_to = excluded.quiet_to,
                min_gap_minutes = excluded.min_gap_minutes, updated_at = excluded.updated_at
            """);
        command.Parameters.AddWithValue("agent", Guid.Parse(agentId));
        command.Parameters.AddWithValue("owner", Guid.Parse(ownerId));
        command.Parameters.AddWithValue("enabled", next.Enabled);
        command.Parameters.AddWithValue("muted", next.Muted);
        command.Parameters.AddWithValue("daily", next.DailyCap);
        command.Parameters.AddWithValue("weekly", next.WeeklyCap);
        command.Parameters.AddWithValue("from", next.QuietFrom);
        command.Parameters.AddWithValue("to", next.QuietTo);
        command.Parameters.AddWithValue("gap", next.MinGapMinutes);
        command.Parameters.AddWithValue("now", _time.GetUtcNow());
        return await command.ExecuteNonQueryAsync(ct) == 1 ? next : null;
    }

    /// <summary>Changes a scenario of the owner's agent (validate first); null when either is not found.</summary>
    public async Task<Scenario?> UpdateScenarioAsync(string ownerId, string agentId, string scenarioId, ScenarioChange change, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner) || !Guid.TryParse(agentId, out var agent) || !Guid.TryParse(scenarioId, out var id)) return null;
        await using var command = _db.CreateCommand("""
            update companions.scenarios set
                   title = coalesce(@title, title),
                   description = coalesce(@description, description),
                   starts_at = coalesce(@starts_at, starts_at),
                   ends_at = case when @end then greatest(@now, coalesce(starts_at + interval '1 second', @now)) else coalesce(@ends_at, ends_at) end
             where id = @id and agent_id = @agent and owner_id = @owner
               and (coalesce(@ends_at, ends_at) is null or coalesce(@starts_at, starts_at) is null or coalesce(@ends_at, ends_at) > coalesce(@starts_at, starts_at) or @end)
            returning id, agent_id, title, description, starts_at, ends_at, created_at
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("agent", agent);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.Add(Text("title", change.Title?.Trim()));
        command.Parameters.Add(Text("description", change.Description));
        command.Parameters.Add(Time("starts_at", change.StartsAt));
        command.Parameters.Add(Time("ends_at", change.EndsAt));
        command.Parameters.AddWithValue("end", change.End);
        command.Parameters.AddWithValue("now", _time.GetUtcNow());
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new Scenario(reader.GetGuid(0).ToString(), reader.GetGuid(1).ToString(), reader.GetString(2), reader.GetString(3),
            reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4), reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
            reader.GetFieldValue<DateTimeOffset>(6));
    }

    /// <summary>The agent's initiations, newest first, before the initiation <paramref name="before"/>; null when the agent is not the owner's.</summary>
    public async Task<IReadOnlyList<Initiation>?> ListInitiationsAsync(string ownerId, string agentId, string? before, int limit, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner) || !Guid.TryParse(agentId, out var agent)) return null;
        Guid? cursor = null;
        if (before is not null)
        {
            if (!Guid.TryParse(before, out var parsed)) throw new InvalidCursorException();
            cursor = parsed;
        }
        await using (var exists = _db.CreateCommand("select 1 from companions.agents where id = @agent and owner_id = @owner"))
        {
            exists.Parameters.AddWithValue("agent", agent);
            exists.Parameters.AddWithValue("owner", owner);
            if (await exists.ExecuteScalarAsync(ct) is null) return null;
        }
        await using var command = _db.CreateCommand($"""
            select {InitiationColumns} from life.initiations i
             where i.agent_id = @agent and i.owner_id = @owner
               and (@before::uuid is null or (i.planned_at, i.id) < (select planned_at, id from life.initiations where id = @before and agent_id = @agent))
             order by i.planned_at desc, i.id desc limit @limit
            """);
        command.Parameters.AddWithValue("agent", agent);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.Add(new NpgsqlParameter("before", NpgsqlDbType.Uuid) { Value = (object?)cursor ?? DBNull.Value });
        command.Parameters.AddWithValue("limit", limit);
        var list = new List<Initiation>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) list.Add(ReadInitiation(reader));
        return list;
    }

    /// <summary>The user's notifications, newest first, with the unread count.</summary>
    public async Task<NotificationPage> ListNotificationsAsync(string ownerId, string? before, int limit, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner)) return new NotificationPage([], 0, null);
        Guid? cursor = null;
        if (before is not null)
        {
            if (!Guid.TryParse(before, out var parsed)) throw new InvalidCursorException();
            cursor = parsed;
        }
        await using var batch = _db.CreateBatch();
        var list = new NpgsqlBatchCommand($"""
            select {NotificationColumns} from life.notifications n
             where n.owner_id = @owner
               and (@before::uuid is null or (n.created_at, n.id) < (select created_at, id from life.notifications where id = @before and owner_id = @owner))
             order by n.created_at desc, n.id desc limit @limit
            """);
        list.Parameters.AddWithValue("owner", owner);
        list.Parameters.Add(new NpgsqlParameter("before", NpgsqlDbType.Uuid) { Value = (object?)cursor ?? DBNull.Value });
        list.Parameters.AddWithValue("limit", limit + 1);
        var unread = new NpgsqlBatchCommand("select count(*)::int from life.notifications where owner_id = @owner and read_at is null");
        unread.Parameters.AddWithValue("owner", owner);
        batch.BatchCommands.Add(list);
        batch.BatchCommands.Add(unread);
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var items = new List<Notification>();
        while (await reader.ReadAsync(ct)) items.Add(ReadNotification(reader));
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        var count = reader.GetInt32(0);
        string? next = null;
        if (items.Count > limit)
        {
            items.RemoveAt(limit);
            next = items[^1].Id;
        }
        return new NotificationPage(items, count, next);
    }

    /// <summary>Marks the user's notifications read (all, or those of one agent); returns the unread count after.</summary>
    public async Task<int> MarkReadAsync(string ownerId, string? agentId, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner)) return 0;
        Guid? agent = Guid.TryParse(agentId, out var a) ? a : null;
        await using var command = _db.CreateCommand("""
            with marked as (
                update life.notifications set read_at = @now
                 where owner_id = @owner and read_at is null and (@agent::uuid is null or agent_id = @agent)
                returning id)
            select (select count(*)::int from life.notifications where owner_id = @owner and read_at is null) - (select count(*)::int from marked)
            """);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.Add(new NpgsqlParameter("agent", NpgsqlDbType.Uuid) { Value = (object?)agent ?? DBNull.Value });
        command.Parameters.AddWithValue("now", _time.GetUtcNow());
        return (int)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>The user's push webhook, if any.</summary>
    public async Task<WebhookChannel?> GetWebhookAsync(string ownerId, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner)) return null;
        await using var command = _db.CreateCommand("select url, updated_at from life.webhooks where owner_id = @owner");
        command.Parameters.AddWithValue("owner", owner);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? new WebhookChannel(new Uri(reader.GetString(0)), reader.GetFieldValue<DateTimeOffset>(1)) : null;
    }

    /// <summary>Sets the user's push webhook and its signing secret (replacing any earlier one).</summary>
    public async Task<WebhookChannel> SetWebhookAsync(string ownerId, Uri url, string secret, CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        await using var command = _db.CreateCommand("""
            insert into life.webhooks (owner_id, url, secret, created_at, updated_at) values (@owner, @url, @secret, @now, @now)
            on conflict (owner_id) do update set url = excluded.url, secret = excluded.secret, updated_at = excluded.updated_at
            """);
        command.Parameters.AddWithValue("owner", Guid.Parse(ownerId));
        command.Parameters.AddWithValue("url", url.AbsoluteUri);
        command.Parameters.AddWithValue("secret", secret);
        command.Parameters.AddWithValue("now", now);
        await command.ExecuteNonQueryAsync(ct);
        return new WebhookChannel(url, now);
    }

    public async Task<bool> DeleteWebhookAsync(string ownerId, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner)) return false;
        await using var command = _db.CreateCommand("delete from life.webhooks where owner_id = @owner");
        command.Parameters.AddWithValue("owner", owner);
        return await command.ExecuteNonQueryAsync(ct) > 0;
    }

    internal async Task<(Uri Url, string Secret)?> WebhookSecretAsync(Guid owner, CancellationToken ct)
    {
        await using var command = _db.CreateCommand("select url, secret from life.webhooks where owner_id = @owner");
        command.Parameters.AddWithValue("owner", owner);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? (new Uri(reader.GetString(0)), reader.GetString(1)) : null;
    }

    /// <summary>
    /// Claims the push of a notification: null when it was pushed already. A claim of the same notification by another
    /// run waits on the first until it commits (then null) or fails (then this one goes ahead). The push counts once
    /// <see cref="PushClaim.CommitAsync"/> runs; disposing without it gives the claim back.
    /// </summary>
    internal async Task<PushClaim?> ClaimPushAsync(Guid notification, DateTimeOffset at, CancellationToken ct)
    {
        var connection = await _db.OpenConnectionAsync(ct);
        try
        {
            var tx = await connection.BeginTransactionAsync(ct);
            await using var claim = new NpgsqlCommand(
                "insert into life.webhook_pushes (notification_id, pushed_at) values (@id, @at) on conflict (notification_id) do nothing", connection, tx);
            claim.Parameters.AddWithValue("id", notification);
            claim.Parameters.AddWithValue("at", at);
            if (await claim.ExecuteNonQueryAsync(ct) == 1) return new PushClaim(connection, tx);
            await tx.DisposeAsync();
            await connection.DisposeAsync();
            return null;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>A claimed webhook push: commit it once the webhook took the push.</summary>
    internal sealed class PushClaim(NpgsqlConnection connection, NpgsqlTransaction tx) : IAsyncDisposable
    {
        public Task CommitAsync(CancellationToken ct) => tx.CommitAsync(ct);

        public async ValueTask DisposeAsync()
        {
            await tx.DisposeAsync();
            await connection.DisposeAsync();
        }
    }

    internal async Task<Notification?> FindNotificationAsync(Guid owner, Guid id, CancellationToken ct)
    {
        await using var command = _db.CreateCommand($"select {NotificationColumns} from life.notifications n where n.id = @id and n.owner_id = @owner");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("owner", owner);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadNotification(reader) : null;
    }

    internal static InitiationSettings ReadSettings(NpgsqlDataReader reader, int at) => new(
        reader.GetBoolean(at), reader.GetBoolean(at + 1), reader.GetInt32(at + 2), reader.GetInt32(at + 3), reader.GetString(at + 4), reader.GetString(at + 5), reader.GetInt32(at + 6));

    internal static Initiation ReadInitiation(NpgsqlDataReader reader) => new(
        reader.GetGuid(0).ToString(), reader.GetGuid(1).ToString(), reader.GetString(2), reader.GetString(3), reader.GetString(4),
        reader.GetFieldValue<DateTimeOffset>(5), reader.GetFieldValue<DateTimeOffset>(6), reader.GetString(7),
        reader.IsDBNull(8) ? null : reader.GetString(8), reader.IsDBNull(9) ? null : reader.GetGuid(9).ToString(),
        reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10));

    internal static Notification ReadNotification(NpgsqlDataReader reader) => new(
        reader.GetGuid(0).ToString(), reader.GetGuid(1).ToString(), reader.GetString(2), reader.GetGuid(3).ToString(), reader.GetGuid(4).ToString(),
        reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6), reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7));

    internal static NpgsqlParameter Text(string name, string? value) => new(name, NpgsqlDbType.Text) { Value = (object?)value ?? DBNull.Value };

    internal static NpgsqlParameter Time(string name, DateTimeOffset? value) => new(name, NpgsqlDbType.TimestampTz) { Value = (object?)value ?? DBNull.Value };
}
