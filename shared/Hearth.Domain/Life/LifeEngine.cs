using System.Security.Cryptography;
using System.Text;
using Hearth.Chat;
using Hearth.Companions;
using Hearth.Durable;
using Hearth.Models;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

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
    private readonly InitiationStore _store;
    private readonly IAgentStore _agents;
    private readonly ILifeEvents _events;
    private readonly IAgentFeelings _feelings;
    private readonly CompanionWriter _writer;
    private readonly IAgentMessages _messages;
    private readonly IEnumerable<INotificationChannel> _channels;
    private readonly LifeOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<LifeEngine> _logger;

    public LifeEngine(InitiationStore store, IAgentStore agents, ILifeEvents events, IAgentFeelings feelings, CompanionWriter writer, IAgentMessages messages,
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
        await _store.ExpireStaleAsync(Guid.Parse(agent.Id), slot.At, ct);
        var random = new Random(Seed(agent.Id, slot.Slot));
        var facts = await _store.LoadFactsAsync(agent, slot.At, _options, ct, slot: slot.Slot);
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
        var initiation = await _store.FindAsync(owner, id, ct);
        if (initiation is null) return new DeliveryResult(false, null, null, "no such initiation");
        if (initiation.Status != "planned") return new DeliveryResult(initiation.Status == "sent", initiation.MessageId, null, initiation.Reason);
        if (await _agents.FindAsync(ownerId, initiation.AgentId, ct) is not { } agent) return new DeliveryResult(false, null, null, "the agent no longer exists");

        var facts = await _store.LoadFactsAsync(agent, now, _options, ct, initiation.Topic, initiation.Id);
        // The text was checked when it was planned; a plan stored before that check existed is checked here, so nothing
        // out of character reaches the chat, the notification or the webhook.
        var checkedText = ModelOutput.InCharacter(initiation.Text, agent.Name);
        var reason = InitiationRules.Check(facts.Rules, now) ?? (checkedText.Usable ? null : "the message broke character");
        if (reason is not null)
        {
            await _store.SkipAsync(id, reason, ct);
            _logger.LogInformation("Initiation {InitiationId} of agent {AgentId} skipped: {Reason}", initiationId, agent.Id, reason);
            return new DeliveryResult(false, null, null, reason);
        }

        // The chat message first (idempotent on the initiation), then the bookkeeping and the channels in one transaction.
        initiation = initiation with { Text = checkedText.Text };
        var messageId = await _messages.PostAsync(ownerId, agent.Id, initiation.Text, $"initiation:{initiation.Id}", ct)
            ?? throw new InvalidOperationException($"The agent {agent.Id} no longer exists.");
        var notification = new Notification(Guid.CreateVersion7().ToString(), agent.Id, agent.Name, initiation.Id, messageId, initiation.Text, now, null);
        var delivered = new NotificationDelivered(ownerId, notification);
        if (!await _store.MarkSentAsync(owner, initiation, notification, now, async tx =>
            {
                foreach (var channel in _channels) await channel.OnDeliveredAsync(delivered, tx, ct);
            }, ct))
            return new DeliveryResult(true, messageId, null, null);
        _logger.LogInformation("Initiation {InitiationId} of agent {AgentId} sent as message {MessageId}", initiationId, agent.Id, messageId);
        return new DeliveryResult(true, messageId, notification.Id, null);
    }

    /// <summary>Moves mood toward the baseline by the share the half-life gives for the time since the last drift.</summary>
    private Task<double> DriftAsync(Agent agent, DateTimeOffset at, CancellationToken ct) =>
        _store.AdvanceClockAsync(Guid.Parse(agent.OwnerId), Guid.Parse(agent.Id), at, async (drifted, tx) =>
        {
            if (drifted is not { } since || at <= since) return agent.Mood;
            var elapsed = at - since;
            var fraction = 1 - Math.Pow(2, -elapsed / _options.MoodHalfLife);
            var after = await _feelings.DriftMoodAsync(agent.OwnerId, agent.Id, fraction,
                $"drifted toward its usual mood ({agent.MoodBaseline.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)}) over {Span(elapsed)} (half-life {Span(_options.MoodHalfLife)})", tx, ct);
            return after?.Mood ?? agent.Mood;
        }, ct);

    /// <summary>"45 s", "12 min", "2 h 5 min", "3 days": how long, in words a person reads.</summary>
    internal static string Span(TimeSpan span) => span switch
    {
        { TotalMinutes: < 1 } => $"{Math.Max(1, (int)Math.Round(span.TotalSeconds))} s",
        { TotalHours: < 1 } => $"{(int)Math.Round(span.TotalMinutes)} min",
        { TotalDays: < 2 } => span.Minutes == 0 ? $"{(int)span.TotalHours} h" : $"{(int)span.TotalHours} h {span.Minutes} min",
        _ => $"{(int)Math.Round(span.TotalDays)} days",
    };

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

    private async Task<(Initiation? Initiation, string? Note)> PlanAsync(Agent agent, LifeSlot slot, SlotFacts facts, LifeEvent? happened, LocalMoment local, Random random, CancellationToken ct)
    {
        var settings = facts.Rules.Settings;
        if (!settings.Enabled || settings.Muted) return (null, null);
        if (facts.HasPlanned) return (await _store.FindPlanAsync(Guid.Parse(agent.Id), slot.Slot, ct), "an initiation is already planned");
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
        await _store.PlanAsync(Guid.Parse(agent.OwnerId), Guid.Parse(agent.Id), slot.Slot, topic, written.Text, slot.At, sendAt.Value, ct);
        return (await _store.FindPlanAsync(Guid.Parse(agent.Id), slot.Slot, ct), null);
    }

    /// <summary>A stable seed per agent and slot, so a retried slot makes the same choices.</summary>
    private static int Seed(string agentId, string slot) => BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes($"{agentId}|{slot}")), 0);
}
