using Hearth.Chat;
using Hearth.Search;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Hearth.Memory;

/// <summary>One exchange to index, with the exchanges of its rolling window (oldest first, ending with it).</summary>
public sealed record TurnToIndex(
    string OwnerId, string AgentId, string SessionId, int TurnNumber, ConversationExchange Exchange, IReadOnlyList<ConversationExchange> Window);

/// <summary>
/// Indexes chat turns for retrieval (the work of the <c>memory.index-turn</c> function, off the reply's path): reads the
/// exchange with its window (one read) through the chat's reader, embeds and upserts the documents of <see cref="TurnDocuments"/>
/// into the collection of the turn's domain, then records the turn in <c>memory.turns</c>. Idempotent: the same turn
/// writes the same documents under the same ids. An embedder that does not match the collection throws
/// <see cref="EmbeddingMismatchException"/> before anything is written.
/// </summary>
public sealed class TurnIndexer(SearchService search, DomainRouter router, NpgsqlDataSource db, MemoryOptions options, IConversationReader conversations, ErasedTurnGuard guard, ILogger<TurnIndexer> logger)
{
    /// <summary>Indexes a committed turn; null when its exchange no longer exists (deleted since).</summary>
    public async Task<IReadOnlyList<string>?> IndexAsync(TurnCommitted turn, CancellationToken ct)
    {
        var reader = conversations;
        // The window ends with the exchange itself: one read for both (the exchange alone when the window does not hold it).
        var fetched = await reader.GetExchangesAsync(turn.OwnerId, turn.SessionId, turn.ReplyMessageId, Math.Max(1, options.WindowTurns), ct);
        var exchange = fetched.Count > 0 && fetched[^1].Reply.Id == turn.ReplyMessageId ? fetched[^1]
            : await reader.GetExchangeAsync(turn.OwnerId, turn.ReplyMessageId, ct);
        if (exchange is null)
        {
            logger.LogWarning("Turn {ReplyMessageId} of session {SessionId} no longer exists; nothing to index", turn.ReplyMessageId, turn.SessionId);
            return null;
        }
        IReadOnlyList<ConversationExchange> window = options.WindowTurns > 0 ? fetched : [];
        var ids = await IndexAsync([new TurnToIndex(turn.OwnerId, turn.AgentId, turn.SessionId, turn.TurnNumber, exchange, window)], ct);
        // The turn may have been deleted, or its companion erased, while it was read and written (see ErasedTurnGuard).
        if (await guard.TurnErasedAsync(turn, "indexing", ct)) return null;
        // An earlier exchange of the window deleted meanwhile: the window is written again from what is left.
        var quoted = window.Where(e => e.Reply.Id != turn.ReplyMessageId).SelectMany(e => new[] { e.Reply.Id, e.User.Id }).ToList();
        if (quoted.Count > 0 && await reader.WasDeletedAsync(turn.OwnerId, quoted, ct))
        {
            window = await reader.GetExchangesAsync(turn.OwnerId, turn.SessionId, turn.ReplyMessageId, options.WindowTurns, ct);
            ids = await IndexAsync([new TurnToIndex(turn.OwnerId, turn.AgentId, turn.SessionId, turn.TurnNumber, exchange, window)], ct);
        }
        return ids;
    }

    /// <summary>Indexes exchanges (one upsert per collection) and records them; returns the exchange documents' ids.</summary>
    public async Task<IReadOnlyList<string>> IndexAsync(IReadOnlyList<TurnToIndex> turns, CancellationToken ct)
    {
        var routed = turns.Select(t => (Turn: t, Domain: options.Domains.Count == 0 ? router.Fallback : router.Tag(TurnDocuments.Text(t.Exchange)))).ToList();
        foreach (var group in routed.GroupBy(r => r.Domain.Collection))
        {
            var documents = group.SelectMany(r => TurnDocuments.Build(
                r.Turn.OwnerId, r.Turn.AgentId, r.Turn.SessionId, r.Turn.TurnNumber, r.Turn.Exchange, r.Turn.Window, r.Domain.Name)).ToList();
            await search.IndexAsync(group.Key, documents, ct);
        }
        await RecordAsync(routed, ct);
        var ids = routed.Select(r => TurnDocuments.ExchangeId(r.Turn.Exchange.Reply.Id)).ToList();
        if (ids.Count == 1) logger.LogInformation("Indexed: {DocumentId}", ids[0]);
        else logger.LogInformation("Indexed: {Count} turns", ids.Count);
        return ids;
    }

    private async Task RecordAsync(List<(TurnToIndex Turn, DomainMatch Domain)> routed, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            insert into memory.turns (owner_id, reply_message_id, user_message_id, agent_id, session_id, turn_number, collection, domain, at)
            select * from unnest(@owner::uuid[], @reply, @user, @agent, @session, @turn, @collection, @domain, @at)
            on conflict (owner_id, reply_message_id) do update
               set collection = excluded.collection, domain = excluded.domain, turn_number = excluded.turn_number, indexed_at = now()
            """);
        command.Parameters.Add(Array("owner", routed.Select(r => r.Turn.OwnerId)));
        command.Parameters.Add(Array("reply", routed.Select(r => r.Turn.Exchange.Reply.Id)));
        command.Parameters.Add(Array("user", routed.Select(r => r.Turn.Exchange.User.Id)));
        command.Parameters.Add(Array("agent", routed.Select(r => r.Turn.AgentId)));
        command.Parameters.Add(Array("session", routed.Select(r => r.Turn.SessionId)));
        command.Parameters.Add(new NpgsqlParameter("turn", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = routed.Select(r => r.Turn.TurnNumber).ToArray() });
        command.Parameters.Add(Array("collection", routed.Select(r => r.Domain.Collection)));
        command.Parameters.Add(Array("domain", routed.Select(r => r.Domain.Name)));
        command.Parameters.Add(new NpgsqlParameter("at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz)
        {
            Value = routed.Select(r => r.Turn.Exchange.Reply.CreatedAt.UtcDateTime).ToArray(),
        });
        await command.ExecuteNonQueryAsync(ct);
    }

    private static NpgsqlParameter Array(string name, IEnumerable<string> values) =>
        new(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = values.ToArray() };
}
