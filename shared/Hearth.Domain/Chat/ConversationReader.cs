using Hearth.Durable.Jobs;

namespace Hearth.Chat;

/// <summary>Posts agent messages that are not replies (the offline life's initiated messages). Implemented by the chat feature.</summary>
public interface IAgentMessages
{
    /// <summary>
    /// Posts <paramref name="text"/> as a message from the agent into its latest session (or none yet). Idempotent on
    /// <paramref name="dedupeKey"/> (the second call returns the first message's id). Null when the agent is not the owner's.
    /// </summary>
    Task<string?> PostAsync(string ownerId, string agentId, string text, string dedupeKey, CancellationToken ct);
}

/// <summary>
/// Conversations for the API and for other features: <see cref="IConversationReader"/> (memory, summaries, archive),
/// <see cref="IChatPictures"/> (finished pictures posted into the chat), <see cref="IAgentMessages"/> (initiated messages),
/// and the newest-first message pages of <c>GET /api/agents/{id}/messages</c>.
/// </summary>
public sealed class ConversationReader : IConversationReader, IChatPictures, IAgentMessages
{
    private const string Columns = "m.id, m.owner_id, m.agent_id, m.session_id, m.role, m.text, m.created_at, m.edited_at";
    private readonly ChatStore _store;
    private readonly TimeProvider _time;

    internal ConversationReader(ChatStore store, TimeProvider time)
    {
        _store = store;
        _time = time;
    }

    public async Task<ConversationExchange?> GetExchangeAsync(string ownerId, string replyMessageId, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner) || !Guid.TryParse(replyMessageId, out var reply)) return null;
        var rows = await _store.QueryConversationAsync($"""
            select {Columns} from chat.messages r join chat.messages m on m.id = r.reply_to or m.id = r.id
             where r.id = @reply and r.owner_id = @owner and r.role = 'agent' and r.reply_to is not null
             order by m.seq
            """, p => { p.AddWithValue("reply", reply); p.AddWithValue("owner", owner); }, ct);
        if (rows.Count == 2) return new ConversationExchange(rows[0], rows[1]);
        // A companion's line in a group chat and the user's line it answers: an exchange of that companion, its session the group.
        rows = await _store.QueryConversationAsync($"""
            select {GroupColumns} from chat.group_messages r join chat.group_messages m on m.id = r.reply_to or m.id = r.id
             where r.id = @reply and r.owner_id = @owner and r.role = 'agent' and r.reply_to is not null
             order by m.seq
            """, p => { p.AddWithValue("reply", reply); p.AddWithValue("owner", owner); }, ct);
        return rows.Count == 2 ? new ConversationExchange(rows[0], rows[1]) : null;
    }

    /// <summary>A group line as a conversation message: the user's line belongs to the companion whose reply it is read with.</summary>
    private const string GroupColumns = "m.id, m.owner_id, r.agent_id, m.group_id, m.role, m.text, m.created_at, m.edited_at";

    public async Task<IReadOnlyList<ConversationExchange>> GetExchangesAsync(string ownerId, string sessionId, string upToReplyMessageId, int count, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner) || !Guid.TryParse(sessionId, out var session) || !Guid.TryParse(upToReplyMessageId, out var upTo) || count <= 0) return [];
        var rows = await _store.QueryConversationAsync($"""
            with replies as (
                select r.id, r.reply_to, r.seq from chat.messages r
                 where r.session_id = @session and r.owner_id = @owner and r.role = 'agent' and r.reply_to is not null
                   and r.seq <= (select seq from chat.messages where id = @up_to and owner_id = @owner)
                 order by r.seq desc limit @count)
            select {Columns} from replies x join chat.messages m on m.id = x.reply_to or m.id = x.id
             order by x.seq, m.seq
            """, p => { p.AddWithValue("session", session); p.AddWithValue("owner", owner); p.AddWithValue("up_to", upTo); p.AddWithValue("count", count); }, ct);
        if (rows.Count == 0)
        {
            // A group: that companion's exchanges in it (each of its lines with the user's line it answers).
            rows = await _store.QueryConversationAsync($"""
                with replies as (
                    select r.id, r.reply_to, r.seq, r.agent_id from chat.group_messages r, chat.group_messages upto
                     where upto.id = @up_to and upto.owner_id = @owner and r.group_id = @session and r.owner_id = @owner
                       and r.role = 'agent' and r.reply_to is not null and r.agent_id = upto.agent_id and r.seq <= upto.seq
                     order by r.seq desc limit @count)
                select m.id, m.owner_id, x.agent_id, m.group_id, m.role, m.text, m.created_at, m.edited_at
                  from replies x join chat.group_messages m on m.id = x.reply_to or m.id = x.id
                 order by x.seq, m.seq
                """, p => { p.AddWithValue("session", session); p.AddWithValue("owner", owner); p.AddWithValue("up_to", upTo); p.AddWithValue("count", count); }, ct);
        }
        var exchanges = new List<ConversationExchange>();
        for (var i = 0; i + 1 < rows.Count; i += 2) exchanges.Add(new ConversationExchange(rows[i], rows[i + 1]));
        return exchanges;
    }

    public async Task<IReadOnlyList<ConversationMessage>> GetSessionMessagesAsync(string ownerId, string sessionId, string? afterMessageId, int limit, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner) || !Guid.TryParse(sessionId, out var session) || limit <= 0) return [];
        Guid? after = Guid.TryParse(afterMessageId, out var a) ? a : null;
        return await _store.QueryConversationAsync($"""
            select {Columns} from chat.messages m
             where m.session_id = @session and m.owner_id = @owner
               and (@after::uuid is null or m.seq > (select seq from chat.messages where id = @after and owner_id = @owner))
             order by m.seq limit @limit
            """, p =>
            {
                p.AddWithValue("session", session);
                p.AddWithValue("owner", owner);
                p.Add(new Npgsql.NpgsqlParameter("after", NpgsqlTypes.NpgsqlDbType.Uuid) { Value = (object?)after ?? DBNull.Value });
                p.AddWithValue("limit", limit);
            }, ct);
    }

    public async Task<IReadOnlyList<ConversationMessage>> GetSessionMessagesAsync(string ownerId, string agentId, string sessionId, string? afterMessageId, int limit,
        CancellationToken ct)
    {
        var messages = await GetSessionMessagesAsync(ownerId, sessionId, afterMessageId, limit, ct);
        if (messages.Count > 0 || !Guid.TryParse(ownerId, out var owner) || !Guid.TryParse(agentId, out var agent) || !Guid.TryParse(sessionId, out var group) || limit <= 0)
            return messages;
        // A group: the companion's exchanges in it, each user line read as said to the companion who answers it.
        Guid? after = Guid.TryParse(afterMessageId, out var a) ? a : null;
        return await _store.QueryConversationAsync("""
            select m.id, m.owner_id, @agent, m.group_id, m.role, m.text, m.created_at, m.edited_at from chat.group_messages m
             where m.group_id = @group and m.owner_id = @owner
               and ((m.role = 'agent' and m.agent_id = @agent and m.reply_to is not null)
                    or (m.role = 'user' and exists (select 1 from chat.group_messages r where r.reply_to = m.id and r.agent_id = @agent)))
               and (@after::uuid is null or m.seq > (select seq from chat.group_messages where id = @after and owner_id = @owner))
             order by m.seq limit @limit
            """, p =>
            {
                p.AddWithValue("group", group);
                p.AddWithValue("owner", owner);
                p.AddWithValue("agent", agent);
                p.Add(new Npgsql.NpgsqlParameter("after", NpgsqlTypes.NpgsqlDbType.Uuid) { Value = (object?)after ?? DBNull.Value });
                p.AddWithValue("limit", limit);
            }, ct);
    }

    public async Task<bool> WasDeletedAsync(string ownerId, IReadOnlyCollection<string> messageIds, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner)) return false;
        var ids = messageIds.Select(id => Guid.TryParse(id, out var g) ? g : Guid.Empty).Where(g => g != Guid.Empty).ToArray();
        if (ids.Length == 0) return false;
        await using var command = _store.DataSource.CreateCommand("""
            select exists (select 1 from chat.deleted_messages where owner_id = @owner and id = any(@ids))
                or exists (select 1 from chat.deleted_group_messages where owner_id = @owner and id = any(@ids))
            """);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("ids", ids);
        return await command.ExecuteScalarAsync(ct) is true;
    }

    /// <summary>The last <paramref name="count"/> messages with the agent, oldest first.</summary>
    public async Task<IReadOnlyList<ConversationMessage>> RecentAsync(string ownerId, string agentId, int count, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner) || !Guid.TryParse(agentId, out var agent)) return [];
        var rows = await _store.QueryConversationAsync($"""
            select {Columns} from chat.messages m where m.agent_id = @agent and m.owner_id = @owner order by m.seq desc limit @count
            """, p => { p.AddWithValue("agent", agent); p.AddWithValue("owner", owner); p.AddWithValue("count", count); }, ct);
        rows.Reverse();
        return rows;
    }

    /// <summary>
    /// A page of the agent's messages, newest first, older than the message <paramref name="before"/> (null: the newest).
    /// Null when the agent is not the owner's; <see cref="InvalidCursorException"/> when <paramref name="before"/> is not one of its messages.
    /// </summary>
    public Task<IReadOnlyList<ChatMessageView>?> ListAsync(string ownerId, string agentId, string? before, int limit, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner) || !Guid.TryParse(agentId, out var agent)) return Task.FromResult<IReadOnlyList<ChatMessageView>?>(null);
        Guid? cursor = null;
        if (before is not null)
        {
            if (!Guid.TryParse(before, out var parsed)) throw new InvalidCursorException();
            cursor = parsed;
        }
        return _store.ListMessagesAsync(owner, agent, cursor, limit, ct);
    }

    /// <summary>The messages sent to the model for a reply (the prompt inspector); null when it is not the owner's agent's reply or none was stored.</summary>
    public Task<ReplyPrompt?> GetPromptAsync(string ownerId, string agentId, string messageId, CancellationToken ct) =>
        Guid.TryParse(ownerId, out var owner) && Guid.TryParse(agentId, out var agent) && Guid.TryParse(messageId, out var message)
            ? _store.GetPromptAsync(owner, agent, message, ct)
            : Task.FromResult<ReplyPrompt?>(null);

    public async Task<string> PostPictureAsync(string ownerId, string agentId, string? sessionId, string imageJobId, string mediaId, string? caption, CancellationToken ct)
    {
        if (!Guid.TryParse(ownerId, out var owner) || !Guid.TryParse(agentId, out var agent))
            throw new ArgumentException("Owner and agent ids are UUIDs.");
        Guid? session = Guid.TryParse(sessionId, out var s) ? s : null;
        var text = string.IsNullOrWhiteSpace(caption) ? "" : caption.Trim();
        return await _store.PostAgentMessageAsync(owner, agent, session, "picture", text, mediaId, imageJobId, $"picture:{imageJobId}", _time.GetUtcNow(), ct)
            ?? throw new InvalidOperationException($"The agent {agentId} no longer exists; the picture of job {imageJobId} cannot be posted.");
    }

    public Task<string?> PostAsync(string ownerId, string agentId, string text, string dedupeKey, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > ChatLimits.MaxTextLength) throw new ArgumentException($"A message is 1-{ChatLimits.MaxTextLength} characters.", nameof(text));
        if (string.IsNullOrWhiteSpace(dedupeKey) || dedupeKey.Length > 200) throw new ArgumentException("A dedupe key is 1-200 characters.", nameof(dedupeKey));
        if (!Guid.TryParse(ownerId, out var owner) || !Guid.TryParse(agentId, out var agent)) return Task.FromResult<string?>(null);
        return _store.PostAgentMessageAsync(owner, agent, null, "text", text.Trim(), null, null, dedupeKey, _time.GetUtcNow(), ct);
    }
}
