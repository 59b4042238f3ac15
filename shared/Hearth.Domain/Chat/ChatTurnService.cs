using System.ComponentModel.DataAnnotations;
using Hearth.Durable;
using Hearth.Archive;
using Hearth.Companions;
using Hearth.Durable.Jobs;
using Hearth.Images;
using Hearth.Memory;
using Hearth.Models;
using Hearth.Settings;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hearth.Chat;

/// <summary>Settings of the chat turn (<c>Chat:*</c>, and when a companion sends pictures asked for in chat, <c>Chat:Pictures:*</c>).</summary>
[SettingsSection("Chat")]
public sealed class ChatTurnOptions
{
    [Setting("Summarise a session every this many exchanges (0: never).")]
    [Range(0, 1000)]
    public int SummaryEveryTurns { get; set; } = 10;

    [Setting("A message after this much silence starts a new session (hh:mm:ss).")]
    public TimeSpan SessionGap { get; set; } = TimeSpan.FromHours(6);

    [Setting("Affinity (0-100) a companion needs before it sends a picture.", Key = "Chat:Pictures:MinAffinity")]
    [Range(0, 100)]
    public double PictureMinAffinity { get; set; } = 30;

    [Setting("Pictures a companion sends per day of the user's time zone.", Key = "Chat:Pictures:DailyCap")]
    [Range(0, 1000)]
    public int PictureDailyCap { get; set; } = 3;
}

/// <summary>
/// The chat turn. Reads the agent's world in one round trip (agent, an earlier result for the client message id, the
/// session, scenario, life events, recent messages), recalls memory, writes the prompt, asks the model chain (offline
/// last), keeps the reply in character (repair, else regenerate once with a stricter instruction, else offline), judges
/// mood and affinity, and commits in one transaction: session, user message, reply, feelings with reasons, the picture
/// job when one was asked for and allowed, and the side-effect jobs. The reply never waits on any side effect.
/// Idempotency: the client message id is unique per agent; a retry gets the stored result, and a concurrent duplicate
/// waits on the unique index for the first to commit and then returns the first result (its own reply is discarded).
/// </summary>
public sealed partial class ChatTurnService
{
    private readonly ChatStore store;
    private readonly IMemoryRecall recall;
    private readonly IChatModelChain models;
    private readonly IWeatherProvider weather;
    private readonly IJobClient jobs;
    private readonly IArchiveMirror archive;
    private readonly IPictureJobs pictures;
    private readonly IOptions<ChatTurnOptions> options;
    private readonly TimeProvider time;
    private readonly ILogger<ChatTurnService> logger;

    internal ChatTurnService(ChatStore store, IMemoryRecall recall, IChatModelChain models, IWeatherProvider weather, IJobClient jobs, IArchiveMirror archive,
        IPictureJobs pictures, IOptions<ChatTurnOptions> options, TimeProvider time, ILogger<ChatTurnService> logger)
    {
        this.store = store;
        this.recall = recall;
        this.models = models;
        this.weather = weather;
        this.jobs = jobs;
        this.archive = archive;
        this.pictures = pictures;
        this.options = options;
        this.time = time;
        this.logger = logger;
    }

    private static SelfReferenceGuard Guard => ModelOutput.Guard;

    public Task<ChatTurnOutcome> TakeTurnAsync(ChatTurnCommand command, CancellationToken ct) => TakeTurnAsync(command, null, ct);

    /// <summary>The turn; with an <paramref name="observer"/>, the reply is streamed to it sentence by sentence as it is written.</summary>
    public async Task<ChatTurnOutcome> TakeTurnAsync(ChatTurnCommand command, IChatTurnObserver? observer, CancellationToken ct)
    {
        var notFound = new ChatTurnOutcome(null);
        if (!Guid.TryParse(command.OwnerId, out var owner) || !Guid.TryParse(command.AgentId, out var agentId)) return notFound;
        var text = command.Text.Trim();
        var now = time.GetUtcNow();
        var context = await store.LoadTurnContextAsync(owner, agentId, command.ClientMessageId, now, ct);
        if (context is null) return notFound;
        if (context.Existing is { } existing) return new ChatTurnOutcome(await ReplayAsync(existing, observer, ct));

        var agent = context.Agent;
        var settings = options.Value;
        var sessionId = context.LatestSession is { } latest && now - latest.LastMessageAt < settings.SessionGap ? latest.Id : Guid.CreateVersion7();
        var memory = await RecallAsync(command, sessionId, text, now, context, ct, recent: context.SessionTail(sessionId));
        var moment = AgentClock.At(now, agent.TimeZone);
        var availability = agent.Availability.StateAt(moment.Local);
        var sky = await WeatherAsync(agent, moment, ct);
        var picture = PictureRequests.IsPictureRequest(text) ? await GatePictureAsync(command, agent, availability, now, ct) : null;
        var previousReply = context.RecentMessages.LastOrDefault(m => m.Role == "agent")?.Text;
        var lore = Lore.LoreScanner.Select(context.Books ?? [], [.. context.LoreWindow.Select(m => m.Text), text]);
        var reply = new ReplyContext(agent, text, moment, availability, sky, context.Scenario, context.RecentEvents, memory, context.RecentMessages, picture, previousReply,
            context.Card, lore, string.IsNullOrWhiteSpace(command.OwnerName) ? "you" : command.OwnerName)
        {
            CoreMemory = context.CoreMemory,
        };
        var seed = ChatOfflineResponder.SeedFor(agent.Id, (int)context.LatestSeq);

        var written = await WriteReplyAsync(reply, seed, observer, ct);
        var feelings = written.Judgement ?? Sentiment.Judge(text);
        var replyAt = time.GetUtcNow();
        var memories = memory.All.Select(m => new MemoryUsed(m.Id, m.Kind, m.Tier, m.Snippet)).ToList();
        var write = new TurnWrite(owner, agentId, sessionId, Guid.CreateVersion7(), text, command.ClientMessageId, now, Guid.CreateVersion7(),
            written.Text, replyAt < now ? now : replyAt, written.Reply.Provider, written.Reply.Model,
            new TokenCounts(written.Usage?.InputTokens, written.Usage?.OutputTokens, written.Usage?.TotalTokens), feelings, memories, picture,
            lore.Select(l => new LoreUsed(l.Entry.Id, l.BookId, l.UserBook ? "user" : "agent", l.Entry.Name, l.Entry.Keys)).ToList(), Prompt(written.Sent));

        var committed = await CommitAsync(write, command, ct);
        if (committed is null) return notFound;
        return new ChatTurnOutcome(committed);
    }

    private async Task<ChatTurnResult?> CommitAsync(TurnWrite write, ChatTurnCommand command, CancellationToken ct)
    {
        // A durable transaction: the jobs it enqueues wake the workers after commit, so turns do not commit one by one.
        await using var durable = await store.DataSource.BeginDurableAsync(ct);
        var tx = durable.Transaction;
        if (write.Picture is { Outcome: "started" } asked)
        {
            // Started first, so the reply is written once with its job id (a duplicate that lost the race rolls it back).
            var jobId = await pictures.StartAsync(new PictureRequest(command.OwnerId, command.AgentId, PictureKind.Variation,
                PictureRequests.Scene(write.UserText), write.Session.ToString(), write.UserMessageId.ToString()), tx, ct);
            write = write with { Picture = asked with { ImageJobId = jobId } };
        }
        bool inserted;
        int turnNumber;
        FeelingsAfter? after;
        try
        {
            (inserted, turnNumber, after) = await store.WriteTurnAsync(tx, write, ct);
        }
        catch (Exception e) when (e is AgentGoneException || e is PostgresException { SqlState: PostgresErrorCodes.ForeignKeyViolation })
        {
            return null; // the agent was deleted while we wrote its reply
        }
        if (!inserted)
        {
            // A retry with the same client message id committed first (we waited for it on the unique index): answer with its result.
            await tx.RollbackAsync(ct);
            var first = await store.FindTurnAsync(write.Owner, write.Agent, write.ClientMessageId!, ct)
                ?? throw new InvalidOperationException("The client message id is taken but its turn cannot be read.");
            return Result(first, replayed: true);
        }

        var picture = write.Picture;
        var turn = new TurnCommitted(command.OwnerId, command.AgentId, write.Session.ToString(), write.UserMessageId.ToString(), write.ReplyId.ToString(), turnNumber, write.ReplyAt);
        await jobs.EnqueueManyAsync(ExchangeJobs(turn, suggestions: true, SummaryDue(turnNumber) ? $"{write.Session}:{turnNumber}" : null), tx, ct);
        await durable.CommitAsync(ct);

        var user = new ChatMessageView(write.UserMessageId.ToString(), write.Session.ToString(), "user", "text", write.UserText, write.UserAt,
            write.ClientMessageId, null, null, null, null, null);
        return new ChatTurnResult(
            user,
            new ChatReply(write.ReplyId.ToString(), write.ReplyText, write.ReplyAt),
            new MoodState(after!.Mood, Feelings.MoodLabel(after.Mood), after.MoodDelta),
            new AffinityState(after.Affinity, after.AffinityDelta, Feelings.AffinityBand(after.Affinity)),
            write.Provider,
            write.Model,
            write.Memories,
            picture?.ImageJobId,
            picture,
            Usage(write.Tokens),
            write.Session.ToString(),
            Replayed: false,
            write.Lore);
    }

    /// <summary>The messages a request sends to the model, system prompt first (what the prompt inspector shows).</summary>
    internal static List<PromptMessage> Prompt(ModelRequest request)
    {
        var messages = new List<PromptMessage>(request.Messages.Count + 1) { new("system", request.SystemPrompt) };
        messages.AddRange(request.Messages.Select(m => new PromptMessage(m.Role.Value, m.Text)));
        return messages;
    }

    /// <summary>The reply's text, the model's answer, its judgement and usage, and the request the kept text answered.</summary>
    private sealed record Written(string Text, ModelReply Reply, FeelingChange? Judgement, TokenUsage? Usage, ModelRequest Sent);

    /// <summary>Asks the chain, keeps the reply in character (repair → one stricter regeneration → offline), extracts the model's judgement.</summary>
    private async Task<Written> WriteReplyAsync(ReplyContext context, int seed, IChatTurnObserver? observer, CancellationToken ct)
    {
        var agent = context.Agent;
        var offline = () => ChatOfflineResponder.Reply(context, seed);
        var messages = History(context.RecentMessages);
        messages.Add(new ChatMessage(ChatRole.User, context.UserText));
        var request = new ModelRequest("chat.reply", ChatPrompt.Build(context) + "\n" + ChatPrompt.FeelingsInstruction, messages)
        {
            Temperature = 0.8f,
            MaxOutputTokens = 400,
            OfflineAnswer = offline,
        };

        ModelReply reply;
        string text;
        FeelingChange? judgement;
        bool usable;
        IReadOnlyList<string> violations;
        TokenUsage? usage;
        if (observer is null)
        {
            reply = await models.CompleteAsync(request, ct);
            (text, judgement, usable, violations) = Check(reply.Text, agent.Name);
            usage = reply.Usage;
        }
        else
        {
            var stream = new GuardedStream(Guard, agent.Name, observer);
            reply = null!;
            await foreach (var update in models.StreamAsync(request, ct))
            {
                if (update.Reset)
                {
                    stream.Reset();
                    await observer.OnResetAsync(ct);
                }
                else if (update.Delta is { } delta) await stream.AppendAsync(delta, ct);
                else if (update.Completed is { } completed) reply = completed;
            }
            await stream.FlushAsync(ct);
            (_, judgement) = FeelingsTag.Extract(reply.Text);
            (text, usable, violations) = (stream.Text, stream.Usable, stream.Violations);
            usage = reply.Usage;
        }
        if (usable) return new Written(text, reply, reply.IsOffline ? null : judgement, usage, request);

        logger.LogWarning("Reply from {Provider}/{Model} broke character ({Violations}); writing it again", reply.Provider, reply.Model, string.Join(", ", violations));
        if (observer is not null) await observer.OnResetAsync(ct);
        if (!reply.IsOffline)
        {
            var stricter = request with
            {
                SystemPrompt = request.SystemPrompt + $"\nYour previous draft broke character ({string.Join(", ", violations)}). Write the reply again as {agent.Name}: " +
                    "first person, a real person texting, no mention of AI, models, assistants, bots, prompts or instructions.",
            };
            var again = await models.CompleteAsync(stricter, ct);
            usage = Sum(usage, again.Usage);
            var (againText, againJudgement, againUsable, againViolations) = Check(again.Text, agent.Name);
            if (againUsable)
            {
                if (observer is not null) await observer.OnTextAsync(againText, ct);
                return new Written(againText, again, again.IsOffline ? null : againJudgement, usage, stricter);
            }
            logger.LogWarning("The regenerated reply broke character too ({Violations}); the offline responder answers", string.Join(", ", againViolations));
            reply = again;
        }
        var fallback = ModelOutput.InCharacter(offline(), agent.Name).Text;
        if (observer is not null) await observer.OnTextAsync(fallback, ct);
        return new Written(fallback, new ModelReply(fallback, ModelReply.OfflineProvider, ModelReply.OfflineModel, null, reply.Attempts), null, usage, request);
    }

    /// <summary>
    /// The conversation as the model reads it: it starts with the user (the companion's own opening lines go), and the
    /// companion's consecutive messages (first messages, pictures' captions, a reply after them) are one message, so a
    /// model never sees a run of its own lines and answers itself.
    /// </summary>
    internal static List<ChatMessage> History(IReadOnlyList<ConversationMessage> recent)
    {
        var messages = new List<ChatMessage>(recent.Count + 1);
        foreach (var m in recent.SkipWhile(m => m.Role != "user"))
        {
            if (string.IsNullOrWhiteSpace(m.Text)) continue;
            var role = m.Role == "user" ? ChatRole.User : ChatRole.Assistant;
            if (role == ChatRole.Assistant && messages.Count > 0 && messages[^1].Role == ChatRole.Assistant)
                messages[^1] = new ChatMessage(ChatRole.Assistant, messages[^1].Text + "\n" + m.Text);
            else messages.Add(new ChatMessage(role, m.Text));
        }
        return messages;
    }

    private (string Text, FeelingChange? Judgement, bool Usable, IReadOnlyList<string> Violations) Check(string raw, string name)
    {
        var (text, judgement) = FeelingsTag.Extract(raw);
        // A model that read a labelled transcript (group chat) may label its own line too.
        if (text.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase)) text = text[(name.Length + 1)..].TrimStart();
        var verdict = ModelOutput.InCharacter(text, name);
        return (verdict.Text, judgement, verdict.Usable, verdict.Violations);
    }

    private async Task<Recall> RecallAsync(ChatTurnCommand command, Guid sessionId, string text, DateTimeOffset now, TurnContext context, CancellationToken ct,
        string? replacing = null, SessionTail? recent = null)
    {
        try
        {
            return await recall.RecallAsync(new RecallRequest(command.OwnerId, command.AgentId, sessionId.ToString(), text, now) { Replacing = replacing, Recent = recent }, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogWarning(e, "Memory recall failed; replying with recent turns only");
            return RecentTurnsRecall.From(context.RecentMessages);
        }
    }

    private async Task<WeatherFlavour?> WeatherAsync(Agent agent, LocalMoment moment, CancellationToken ct)
    {
        try
        {
            return await weather.DescribeAsync(agent.HomeCity, moment, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogWarning(e, "Weather failed; replying without it");
            return null;
        }
    }

    private async Task<PictureOutcome> GatePictureAsync(ChatTurnCommand command, Agent agent, AvailabilityState availability, DateTimeOffset now, CancellationToken ct)
    {
        if (availability == AvailabilityState.Asleep) return new PictureOutcome("asleep", null);
        if (agent.Affinity < options.Value.PictureMinAffinity) return new PictureOutcome("affinity", null);
        var since = AgentClock.StartOfLocalDay(now, command.OwnerTimeZone);
        var sent = await pictures.CountSinceAsync(command.OwnerId, command.AgentId, since, ct);
        return sent >= options.Value.PictureDailyCap ? new PictureOutcome("daily-cap", null) : new PictureOutcome("started", null);
    }


    private static async Task<ChatTurnResult> ReplayAsync(StoredTurn stored, IChatTurnObserver? observer, CancellationToken ct)
    {
        if (observer is not null) await observer.OnTextAsync(stored.Reply.Text, ct);
        return Result(stored, replayed: true);
    }

    private static ChatTurnResult Result(StoredTurn stored, bool replayed)
    {
        var o = stored.Outcome;
        return new ChatTurnResult(
            stored.User,
            new ChatReply(stored.Reply.Id, stored.Reply.Text, stored.Reply.CreatedAt),
            new MoodState(o.Mood, Feelings.MoodLabel(o.Mood), Math.Round(o.MoodDelta, 6)),
            new AffinityState(o.Affinity, Math.Round(o.AffinityDelta, 6), Feelings.AffinityBand(o.Affinity)),
            stored.Reply.Provider ?? ModelReply.OfflineProvider,
            stored.Reply.Model ?? ModelReply.OfflineModel,
            o.MemoriesUsed,
            stored.Reply.ImageJobId,
            o.Picture,
            Usage(stored.Tokens),
            stored.User.SessionId ?? "",
            replayed,
            o.LoreUsed ?? []);
    }

    private static TokenUsage? Usage(TokenCounts t) => t.Input is null && t.Output is null && t.Total is null ? null : new TokenUsage(t.Input, t.Output, t.Total);

    private static TokenUsage? Sum(TokenUsage? a, TokenUsage? b) =>
        a is null ? b : b is null ? a : new TokenUsage(a.InputTokens + b.InputTokens, a.OutputTokens + b.OutputTokens, a.TotalTokens + b.TotalTokens);
}
