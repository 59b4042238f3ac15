using System.Security.Cryptography;
using System.Text;
using Hearth.Chat;
using Hearth.Companions;
using Hearth.Durable;
using Hearth.Models;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hearth.Life;

/// <summary>One time slot of one agent's life to run.</summary>
/// <param name="Slot">The slot's key (its UTC start, <c>yyyyMMddTHHmmZ</c>); a slot runs once per agent.</param>
/// <param name="At">The moment the slot is lived at (the slot start, or now for a catch-up run).</param>
public sealed record LifeSlot(string OwnerId, string AgentId, string Slot, DateTimeOffset At)
{
    /// <summary>The key of the slot that starts at <paramref name="start"/>.</summary>
    public static string KeyOf(DateTimeOffset start) => start.UtcDateTime.ToString("yyyyMMdd'T'HHmm'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The orchestration instance id of an agent's slot: the same agent and slot always name one instance.</summary>
    public static string InstanceId(string agentId, string slot) => $"life:{agentId}:{slot}";
}

/// <summary>What a slot did: the event that happened (if any), mood after drift, and the initiation it planned (if any).</summary>
public sealed record SlotResult(bool AgentExists, string? EventId, string? EventText, double? Mood, string? InitiationId, DateTimeOffset? SendAt, string? Note);

/// <summary>Whether a planned initiation was sent, and if not which rule stopped it.</summary>
public sealed record DeliveryResult(bool Sent, string? MessageId, string? NotificationId, string? Reason);

/// <summary>An initiated message was delivered in-app; channels (push) hear about it inside the same transaction.</summary>
public sealed record NotificationDelivered(string OwnerId, Notification Notification);

/// <summary>A notification channel beyond the in-app one (which always gets every notification).</summary>
public interface INotificationChannel
{
    /// <summary>Called inside the delivery's transaction: enqueue what must happen iff the delivery commits.</summary>
    Task OnDeliveredAsync(NotificationDelivered delivered, System.Data.Common.DbTransaction transaction, CancellationToken ct);
}

/// <summary>
/// The offline life of an agent, one slot at a time: mood drifts toward the baseline, something may happen (from the
/// model chain or an offline template), and the agent may plan to write first at a natural moment; the delivery checks
/// every rule again when that moment comes. All time comes from <see cref="TimeProvider"/> or the slot.
/// </summary>
public sealed class LifeEngine
{
    private readonly LifeStore _store;
    private readonly IAgentStore _agents;
    private readonly ILifeEvents _events;
    private readonly IAgentFeelings _feelings;
    private readonly CompanionWriter _writer;
    private readonly IAgentMessages _messages;
    private readonly IEnumerable<INotificationChannel> _channels;
    private readonly LifeOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<LifeEngine> _logger;

    public LifeEngine(LifeStore store, IAgentStore agents, ILifeEvents events, IAgentFeelings feelings, CompanionWriter writer, IAgentMessages messages,
        IEnumerable<INotificationChannel> channels, IOptions<LifeOptions> options, TimeProvider time, ILogger<LifeEngine> logger)
    {
        _store = store;
        _agents = agents;
        _events = events;
        _feelings = feelings;
        _writer = writer;
        _messages = messages;
        _channels = channels;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>Lives one slot. Idempotent per agent and slot (a retried activity finds the event and the plan it made).</summary>
    public async Task<SlotResult> RunSlotAsync(LifeSlot slot, CancellationToken ct)
    {
        if (await _agents.FindAsync(slot.OwnerId, slot.AgentId, ct) is not { } agent) return new SlotResult(false, null, null, null, null, null, "the agent no longer exists");
        var mood = await DriftAsync(agent, slot.At, ct);
        await ExpireStalePlansAsync(agent, slot.At, ct);
        var random = new Random(Seed(agent.Id, slot.Slot));
        var facts = await LoadFactsAsync(agent, slot.At, ct, slot: slot.Slot);
        var scenario = facts.Scenario;
        var local = AgentClock.At(slot.At, agent.TimeZone);
        var state = agent.Availability.StateAt(local.Local);

        // A retried slot finds the event it already wrote (and does not draw again).
        var happened = facts.SlotEvent;
        if (happened is null && state != AvailabilityState.Asleep)
        {
            var chance = _options.EventChance * (state == AvailabilityState.Working ? 2.0 / 3 : 1);
            if (facts.LastEventAt is { } last && slot.At - last < TimeSpan.FromMinutes(90)) chance *= 0.3;
            if (scenario is not null) chance *= 1.2;
            if (random.NextDouble() < chance && PickEvent(random, agent, scenario, state, local.PartOfDay, facts.RecentEventTopics) is { } template)
                happened = await WriteEventAsync(agent, slot, scenario, local, state, template, ct);
        }
        if (happened is not null && facts.SlotEvent is null) mood = Math.Clamp(mood + happened.MoodDelta, -1, 1);

        var (initiation, note) = await PlanAsync(agent, slot, facts, happened, local, random, ct);
        return new SlotResult(true, happened?.Id, happened?.Text, mood, initiation?.Id, initiation?.SendAt, note);
    }

    /// <summary>Sends a planned initiation now if every rule still allows it (else marks it skipped with the reason). Idempotent.</summary>
    public async Task<DeliveryResult> DeliverAsync(string ownerId, string initiationId, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner) || !Guid.TryParse(initiationId, out var id)) return new DeliveryResult(false, null, null, "no such initiation");
        var now = _time.GetUtcNow();
        var db = _store.DataSource;
        Initiation? initiation;
        await using (var find = db.CreateCommand("select i.id, i.agent_id, i.slot, i.topic, i.text, i.planned_at, i.send_at, i.status, i.reason, i.message_id, i.sent_at from life.initiations i where i.id = @id and i.owner_id = @owner"))
        {
            find.Parameters.AddWithValue("id", id);
            find.Parameters.AddWithValue("owner", owner);
            await using var reader = await find.ExecuteReaderAsync(ct);
            initiation = await reader.ReadAsync(ct) ? LifeStore.ReadInitiation(reader) : null;
        }
        if (initiation is null) return new DeliveryResult(false, null, null, "no such initiation");
        if (initiation.Status != "planned") return new DeliveryResult(initiation.Status == "sent", initiation.MessageId, null, initiation.Reason);
        if (await _agents.FindAsync(ownerId, initiation.AgentId, ct) is not { } agent) return new DeliveryResult(false, null, null, "the agent no longer exists");

        var facts = await LoadFactsAsync(agent, now, ct, initiation.Topic, initiation.Id);
        // The text was checked when it was planned; a plan stored before that check existed is checked here, so nothing
        // out of character reaches the chat, the notification or the webhook.
        var checkedText = ModelOutput.InCharacter(initiation.Text, agent.Name);
        var reason = InitiationRules.Check(facts.Rules, now) ?? (checkedText.Usable ? null : "the message broke character");
        if (reason is not null)
        {
            await using var skip = db.CreateCommand("update life.initiations set status = 'skipped', reason = @reason where id = @id and status = 'planned'");
            skip.Parameters.AddWithValue("id", id);
            skip.Parameters.AddWithValue("reason", reason);
            await skip.ExecuteNonQueryAsync(ct);
            _logger.LogInformation("Initiation {InitiationId} of agent {AgentId} skipped: {Reason}", initiationId, agent.Id, reason);
            return new DeliveryResult(false, null, null, reason);
        }

        // The chat message first (idempotent on the initiation), then the bookkeeping and the channels in one transaction.
        initiation = initiation with { Text = checkedText.Text };
        var messageId = await _messages.PostAsync(ownerId, agent.Id, initiation.Text, $"initiation:{initiation.Id}", ct)
            ?? throw new InvalidOperationException($"The agent {agent.Id} no longer exists.");
        await using var tx = await db.BeginDurableAsync(ct);
        await using (var sent = new NpgsqlCommand("update life.initiations set status = 'sent', message_id = @message, sent_at = @now where id = @id and status = 'planned'", tx.Connection, tx.Transaction))
        {
            sent.Parameters.AddWithValue("id", id);
            sent.Parameters.AddWithValue("message", Guid.Parse(messageId));
            sent.Parameters.AddWithValue("now", now);
            if (await sent.ExecuteNonQueryAsync(ct) == 0) return new DeliveryResult(true, messageId, null, null);
        }
        var notification = new Notification(Guid.CreateVersion7().ToString(), agent.Id, agent.Name, initiation.Id, messageId, initiation.Text, now, null);
        await using (var insert = new NpgsqlCommand("""
            insert into life.notifications (id, owner_id, agent_id, initiation_id, message_id, agent_name, text, created_at)
            values (@id, @owner, @agent, @initiation, @message, @name, @text, @now)
            """, tx.Connection, tx.Transaction))
        {
            insert.Parameters.AddWithValue("id", Guid.Parse(notification.Id));
            insert.Parameters.AddWithValue("owner", owner);
            insert.Parameters.AddWithValue("agent", Guid.Parse(agent.Id));
            insert.Parameters.AddWithValue("initiation", id);
            insert.Parameters.AddWithValue("message", Guid.Parse(messageId));
            insert.Parameters.AddWithValue("name", agent.Name);
            insert.Parameters.AddWithValue("text", initiation.Text);
            insert.Parameters.AddWithValue("now", now);
            await insert.ExecuteNonQueryAsync(ct);
        }
        foreach (var channel in _channels) await channel.OnDeliveredAsync(new NotificationDelivered(ownerId, notification), tx.Transaction, ct);
        await tx.CommitAsync(ct);
        _logger.LogInformation("Initiation {InitiationId} of agent {AgentId} sent as message {MessageId}", initiationId, agent.Id, messageId);
        return new DeliveryResult(true, messageId, notification.Id, null);
    }

    /// <summary>
    /// A plan whose moment passed an hour ago was never delivered (its orchestration failed or was purged): it is skipped,
    /// so that it does not block the agent's next plan forever.
    /// </summary>
    private async Task ExpireStalePlansAsync(Agent agent, DateTimeOffset at, CancellationToken ct)
    {
        await using var command = _store.DataSource.CreateCommand("""
            update life.initiations set status = 'skipped', reason = 'not delivered within an hour of its moment'
             where agent_id = @agent and status = 'planned' and send_at < @at - interval '1 hour'
            """);
        command.Parameters.AddWithValue("agent", Guid.Parse(agent.Id));
        command.Parameters.AddWithValue("at", at);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Moves mood toward the baseline by the share the half-life gives for the time since the last drift.</summary>
    private async Task<double> DriftAsync(Agent agent, DateTimeOffset at, CancellationToken ct)
    {
        await using var connection = await _store.DataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        DateTimeOffset? drifted;
        await using (var read = new NpgsqlCommand("select drifted_at from life.agent_clock where agent_id = @agent for update", connection, tx))
        {
            read.Parameters.AddWithValue("agent", Guid.Parse(agent.Id));
            drifted = await read.ExecuteScalarAsync(ct) is DateTime value ? new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc)) : null;
        }
        var mood = agent.Mood;
        if (drifted is { } since && at > since)
        {
            var elapsed = at - since;
            var fraction = 1 - Math.Pow(2, -elapsed / _options.MoodHalfLife);
            var after = await _feelings.DriftMoodAsync(agent.OwnerId, agent.Id, fraction,
                $"drifted toward its usual mood ({agent.MoodBaseline.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)}) over {Span(elapsed)} (half-life {Span(_options.MoodHalfLife)})", tx, ct);
            mood = after?.Mood ?? mood;
        }
        if (drifted is null || at > drifted)
        {
            await using var write = new NpgsqlCommand("""
                insert into life.agent_clock (agent_id, owner_id, drifted_at) values (@agent, @owner, @at)
                on conflict (agent_id) do update set drifted_at = excluded.drifted_at where life.agent_clock.drifted_at < excluded.drifted_at
                """, connection, tx);
            write.Parameters.AddWithValue("agent", Guid.Parse(agent.Id));
            write.Parameters.AddWithValue("owner", Guid.Parse(agent.OwnerId));
            write.Parameters.AddWithValue("at", at);
            await write.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return mood;
    }

    /// <summary>"45 s", "12 min", "2 h 5 min", "3 days": how long, in words a person reads.</summary>
    internal static string Span(TimeSpan span) => span switch
    {
        { TotalMinutes: < 1 } => $"{Math.Max(1, (int)Math.Round(span.TotalSeconds))} s",
        { TotalHours: < 1 } => $"{(int)Math.Round(span.TotalMinutes)} min",
        { TotalDays: < 2 } => span.Minutes == 0 ? $"{(int)span.TotalHours} h" : $"{(int)span.TotalHours} h {span.Minutes} min",
        _ => $"{(int)Math.Round(span.TotalDays)} days",
    };

    private sealed record Facts(InitiationFacts Rules, bool HasPlanned, DateTimeOffset? LastEventAt, HashSet<string> RecentEventTopics, HashSet<string> UsedTopics, Scenario? Scenario, LifeEvent? SlotEvent);

    /// <summary>
    /// Everything the rules and the choices need, in one round trip. Caps and gaps count sent initiations only; the daily
    /// cap counts the user's local calendar day (PostgreSQL knows the same IANA zones).
    /// </summary>
    private async Task<Facts> LoadFactsAsync(Agent agent, DateTimeOffset at, CancellationToken ct, string? topic = null, string? excludeInitiation = null, string? slot = null)
    {
        var owner = Guid.Parse(agent.OwnerId);
        var id = Guid.Parse(agent.Id);
        await using var batch = _store.DataSource.CreateBatch();
        Add("""
            select s.enabled, s.muted, s.daily_cap, s.weekly_cap, s.quiet_from, s.quiet_to, s.min_gap_minutes, s.agent_id is not null,
                   coalesce(u.time_zone, 'UTC')
              from (select 1) one
              left join life.initiation_settings s on s.agent_id = @agent and s.owner_id = @owner
              left join identity.users u on u.id = @owner
            """);
        Add("select max(created_at) from chat.messages where agent_id = @agent and owner_id = @owner and role = 'user' and created_at <= @at");
        Add("""
            select max(i.sent_at),
                   count(*) filter (where i.sent_at > @at - interval '7 days'),
                   count(*) filter (where i.sent_at >= ((@at at time zone z.tz)::date::timestamp at time zone z.tz)),
                   coalesce(bool_or(i.status = 'planned' and i.id <> coalesce(@exclude, '00000000-0000-0000-0000-000000000000'::uuid)), false)
              from life.initiations i, (select coalesce((select time_zone from identity.users where id = @owner), 'UTC') as tz) z
             where i.agent_id = @agent and i.owner_id = @owner and (i.status = 'planned' or (i.status = 'sent' and i.sent_at <= @at))
            """);
        Add("select max(occurred_at), array_remove(array_agg(distinct topic), null) from companions.life_events where agent_id = @agent and owner_id = @owner and occurred_at > @at - @repeat and occurred_at <= @at");
        Add("select array_agg(distinct topic) from life.initiations where agent_id = @agent and owner_id = @owner and status <> 'skipped' and planned_at > @at - @topic_days and id <> coalesce(@exclude, '00000000-0000-0000-0000-000000000000'::uuid)");
        Add("select id, agent_id, occurred_at, kind, text, mood_delta, topic, created_at from companions.life_events where agent_id = @agent and owner_id = @owner and dedupe_key = @slot_key");
        Add("""
            select id, agent_id, title, description, starts_at, ends_at, created_at from companions.scenarios
             where agent_id = @agent and owner_id = @owner and (starts_at is null or starts_at <= @at) and (ends_at is null or ends_at > @at)
             order by created_at desc limit 1
            """);

        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var settings = reader.GetBoolean(7) ? LifeStore.ReadSettings(reader, 0) : InitiationSettings.Default;
        var timeZone = reader.GetString(8);
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        DateTimeOffset? lastUserAt = reader.IsDBNull(0) ? null : reader.GetFieldValue<DateTimeOffset>(0);
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        DateTimeOffset? lastSent = reader.IsDBNull(0) ? null : reader.GetFieldValue<DateTimeOffset>(0);
        var week = (int)reader.GetInt64(1);
        var today = (int)reader.GetInt64(2);
        var planned = reader.GetBoolean(3);
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        DateTimeOffset? lastEvent = reader.IsDBNull(0) ? null : reader.GetFieldValue<DateTimeOffset>(0);
        var eventTopics = reader.IsDBNull(1) ? [] : new HashSet<string>(reader.GetFieldValue<string[]>(1), StringComparer.Ordinal);
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        var used = reader.IsDBNull(0) ? [] : new HashSet<string>(reader.GetFieldValue<string[]>(0), StringComparer.Ordinal);
        await reader.NextResultAsync(ct);
        var slotEvent = await reader.ReadAsync(ct) ? LifeEventStore.Read(reader) : null;
        await reader.NextResultAsync(ct);
        Scenario? scenario = await reader.ReadAsync(ct)
            ? new Scenario(reader.GetGuid(0).ToString(), reader.GetGuid(1).ToString(), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4), reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
                reader.GetFieldValue<DateTimeOffset>(6))
            : null;

        var rules = new InitiationFacts(settings, timeZone, agent.TimeZone, agent.Availability, today, week, lastUserAt, lastSent,
            topic is not null && used.Contains(topic));
        return new Facts(rules, planned, lastEvent, eventTopics, used, scenario, slotEvent);

        void Add(string sql)
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.AddWithValue("agent", id);
            command.Parameters.AddWithValue("owner", owner);
            command.Parameters.AddWithValue("at", at);
            command.Parameters.AddWithValue("repeat", TimeSpan.FromDays(_options.TemplateRepeatDays));
            command.Parameters.AddWithValue("topic_days", TimeSpan.FromDays(_options.TopicRepeatDays));
            command.Parameters.AddWithValue("slot_key", $"slot:{slot ?? ""}");
            command.Parameters.Add(new NpgsqlParameter("exclude", NpgsqlTypes.NpgsqlDbType.Uuid) { Value = excludeInitiation is null ? DBNull.Value : Guid.Parse(excludeInitiation) });
            batch.BatchCommands.Add(command);
        }
    }

    private static EventTemplate? PickEvent(Random random, Agent agent, Scenario? scenario, AvailabilityState state, string partOfDay, HashSet<string> recent)
    {
        if (scenario is not null && random.NextDouble() < 0.4)
        {
            var fresh = LifeTemplates.ScenarioEvents.Where(t => !recent.Contains($"{t.Id}:{scenario.Id}")).ToList();
            if (fresh.Count > 0)
            {
                var t = fresh[random.Next(fresh.Count)];
                return t with { Id = $"{t.Id}:{scenario.Id}" };
            }
        }
        var candidates = LifeTemplates.Events
            .Where(t => t.State == state && (t.When.Length == 0 || t.When.Contains(partOfDay)) && !recent.Contains(t.Id))
            .ToList();
        return candidates.Count == 0 ? null : candidates[random.Next(candidates.Count)];
    }

    private async Task<LifeEvent?> WriteEventAsync(Agent agent, LifeSlot slot, Scenario? scenario, LocalMoment local, AvailabilityState state, EventTemplate template, CancellationToken ct)
    {
        var offline = LifeTemplates.Fill(template.Text, agent, scenario);
        var written = await _writer.WriteAsync(new ModelRequest("life.event", $"""
            You are {agent.Name}{(agent.Occupation.Length > 0 ? $", a {agent.Occupation}" : "")}{(agent.HomeCity.Length > 0 ? $" in {agent.HomeCity}" : "")}. {agent.Personality}
            Write one short sentence in the first person, past tense, about something that just happened in your day. No greeting, no question, no emoji.
            """,
            [new ChatMessage(ChatRole.User, $"It is {local.Describe()} ({local.PartOfDay}, {local.Season}); you are {state.ToString().ToLowerInvariant()}."
                + (scenario is null ? "" : $" Going on in your life: {scenario.Title}.") + $" Something like: {offline}")])
        {
            Temperature = 0.9f,
            MaxOutputTokens = 80,
            OfflineAnswer = () => offline,
        }, agent.Name, 400, ct);
        return await _events.AddAsync(new LifeEventDraft(agent.OwnerId, agent.Id, slot.At, template.Kind, written.Text, template.Mood, template.Id, $"slot:{slot.Slot}"), null, ct);
    }

    private async Task<(Initiation? Initiation, string? Note)> PlanAsync(Agent agent, LifeSlot slot, Facts facts, LifeEvent? happened, LocalMoment local, Random random, CancellationToken ct)
    {
        var settings = facts.Rules.Settings;
        if (!settings.Enabled || settings.Muted) return (null, null);
        if (facts.HasPlanned) return (await FindPlanAsync(agent, slot, ct), "an initiation is already planned");
        var chance = happened is null ? _options.InitiationChance / 5 : _options.InitiationChance;
        if (random.NextDouble() >= chance) return (null, null);

        // A natural moment: a little later, when the rules allow it (tried a few times before giving up on this slot).
        var span = Math.Max(0, (_options.SendDelayMax - _options.SendDelayMin).TotalMinutes);
        DateTimeOffset? sendAt = null;
        string? reason = null;
        for (var attempt = 0; attempt < 3 && sendAt is null; attempt++)
        {
            var candidate = slot.At + _options.SendDelayMin + TimeSpan.FromMinutes(Math.Round(random.NextDouble() * span));
            reason = InitiationRules.Check(facts.Rules, candidate);
            if (reason is null) sendAt = candidate;
        }
        if (sendAt is null) return (null, $"no initiation: {reason}");

        string topic;
        string offline;
        if (happened?.Topic is { } eventTopic && !facts.UsedTopics.Contains($"share:{eventTopic}"))
        {
            topic = $"share:{eventTopic}";
            offline = happened.Text + LifeTemplates.ShareEndings[random.Next(LifeTemplates.ShareEndings.Length)];
        }
        else
        {
            var partOfDay = AgentClock.PartOfDay(TimeZoneInfo.ConvertTime(sendAt.Value, agent.Zone).Hour);
            var fresh = LifeTemplates.Topics.Where(t => (t.When.Length == 0 || t.When.Contains(partOfDay)) && !facts.UsedTopics.Contains(t.Id)).ToList();
            if (fresh.Count == 0) return (null, "no initiation: every topic was used recently");
            var pick = fresh[random.Next(fresh.Count)];
            topic = pick.Id;
            offline = pick.Text;
        }

        var written = await _writer.WriteAsync(new ModelRequest("life.initiation", $"""
            You are {agent.Name}. {agent.Personality} {agent.SpeakingStyle}
            Write a short text message (one or two sentences) you send first to someone you know, casually, in your own voice. No emoji unless it is your style.
            """, [new ChatMessage(ChatRole.User, $"What it is about: {offline}")])
        {
            Temperature = 0.9f,
            MaxOutputTokens = 120,
            OfflineAnswer = () => offline,
        }, agent.Name, 1000, ct);
        var text = written.Text;

        await using var insert = _store.DataSource.CreateCommand("""
            insert into life.initiations (id, owner_id, agent_id, slot, topic, text, planned_at, send_at, status)
            values (@id, @owner, @agent, @slot, @topic, @text, @at, @send_at, 'planned')
            on conflict do nothing
            """);
        insert.Parameters.AddWithValue("id", Guid.CreateVersion7());
        insert.Parameters.AddWithValue("owner", Guid.Parse(agent.OwnerId));
        insert.Parameters.AddWithValue("agent", Guid.Parse(agent.Id));
        insert.Parameters.AddWithValue("slot", slot.Slot);
        insert.Parameters.AddWithValue("topic", topic);
        insert.Parameters.AddWithValue("text", text);
        insert.Parameters.AddWithValue("at", slot.At);
        insert.Parameters.AddWithValue("send_at", sendAt.Value);
        await insert.ExecuteNonQueryAsync(ct);
        return (await FindPlanAsync(agent, slot, ct), null);
    }

    /// <summary>The slot's own plan (a retry finds it); null when the slot planned nothing.</summary>
    private async Task<Initiation?> FindPlanAsync(Agent agent, LifeSlot slot, CancellationToken ct)
    {
        await using var command = _store.DataSource.CreateCommand("select i.id, i.agent_id, i.slot, i.topic, i.text, i.planned_at, i.send_at, i.status, i.reason, i.message_id, i.sent_at from life.initiations i where i.agent_id = @agent and i.slot = @slot and i.status = 'planned'");
        command.Parameters.AddWithValue("agent", Guid.Parse(agent.Id));
        command.Parameters.AddWithValue("slot", slot.Slot);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? LifeStore.ReadInitiation(reader) : null;
    }

    /// <summary>A stable seed per agent and slot, so a retried slot makes the same choices.</summary>
    private static int Seed(string agentId, string slot) => BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes($"{agentId}|{slot}")), 0);
}
