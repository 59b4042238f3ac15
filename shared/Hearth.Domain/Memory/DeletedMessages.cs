using System.Text.Json;
using Hearth.Chat;
using Hearth.Search;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Hearth.Memory;

/// <summary>
/// Undoing what memory derived from one deleted exchange or message: its index entries (the exchange and every window
/// that quotes it, found by their <c>reply=</c> tag, in every collection turns may have gone to) and its turn record;
/// the suggestions learnt from the user's message that still wait for review (an update goes back to the value before
/// it, a new suggestion is withdrawn; what the user accepted or wrote stays — it is the user's word now); a summary that
/// ends at a deleted message (row and document). Idempotent; the jobs' guard calls it when a turn vanished under them.
/// </summary>
public sealed class DeletedTurnCleanup(NpgsqlDataSource db, ISearchIndex index, DomainRouter router, MemoryOptions options)
{
    /// <summary>Removes the index entries of the exchange whose reply is <paramref name="replyMessageId"/>, and its turn record.</summary>
    public async Task ForgetIndexAsync(string ownerId, string replyMessageId, CancellationToken ct)
    {
        var collections = new List<string>();
        await using (var read = db.CreateCommand("select distinct collection from memory.turns where owner_id = @owner::uuid and reply_message_id = @reply"))
        {
            read.Parameters.AddWithValue("owner", ownerId);
            read.Parameters.AddWithValue("reply", replyMessageId);
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) collections.Add(reader.GetString(0));
        }
        foreach (var collection in collections.Concat(options.Domains.Select(d => d.Collection)).Append(router.Fallback.Collection).Distinct(StringComparer.Ordinal))
        {
            try
            {
                await index.DeleteWhereAsync(collection, new SearchFilter(ownerId) { Tags = [TurnDocuments.ReplyTag + replyMessageId] }, ct);
            }
            catch (SearchCollectionNotFoundException)
            {
                // Never created: nothing in it.
            }
        }
        await using var delete = db.CreateCommand("delete from memory.turns where owner_id = @owner::uuid and reply_message_id = @reply");
        delete.Parameters.AddWithValue("owner", ownerId);
        delete.Parameters.AddWithValue("reply", replyMessageId);
        await delete.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Withdraws the suggestions learnt from <paramref name="messageId"/> that the user has not reviewed; returns how many changed.</summary>
    public async Task<int> WithdrawSuggestionsAsync(string ownerId, string messageId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await MemoryItemStore.LockOwnerAsync(connection, tx, ownerId, ct);
        var found = new List<(string Id, string History, bool Replacement)>();
        await using (var read = new NpgsqlCommand("""
            select id, history::text, kind = 'core' and subject like 'core:replace:%' from memory.items
             where owner_id = @owner::uuid and source_message_id = @message and status = 'suggested' and origin <> 'user'
            """, connection, tx))
        {
            read.Parameters.AddWithValue("owner", ownerId);
            read.Parameters.AddWithValue("message", messageId);
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) found.Add((reader.GetString(0), reader.GetString(1), reader.GetBoolean(2)));
        }
        foreach (var (id, historyJson, replacement) in found)
        {
            var history = JsonSerializer.Deserialize<List<JsonElement>>(historyJson) ?? [];
            // A proposed core edit's first entry is the line it replaces, not an earlier proposal: nothing to go back to.
            if (replacement) history = history.Skip(1).ToList();
            await using var command = new NpgsqlCommand { Connection = connection, Transaction = tx };
            command.Parameters.AddWithValue("owner", ownerId);
            command.Parameters.AddWithValue("id", id);
            if (history.Count == 0)
            {
                command.CommandText = "delete from memory.items where owner_id = @owner::uuid and id = @id";
            }
            else
            {
                // The value this message had replaced comes back, with its own provenance.
                var previous = history[^1];
                var text = previous.GetProperty("text").GetString() ?? "";
                command.CommandText = """
                    update memory.items
                       set text = @text, fingerprint = @fingerprint, source_message_id = @source, source_at = @at,
                           history = history - (jsonb_array_length(history) - 1), updated_at = now()
                     where owner_id = @owner::uuid and id = @id
                    """;
                command.Parameters.AddWithValue("text", text);
                command.Parameters.AddWithValue("fingerprint", MemoryText.Fingerprint(text));
                command.Parameters.Add(new NpgsqlParameter("source", NpgsqlTypes.NpgsqlDbType.Text)
                {
                    Value = previous.TryGetProperty("sourceMessageId", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()! : DBNull.Value,
                });
                command.Parameters.AddWithValue("at", previous.TryGetProperty("at", out var at) && at.TryGetDateTimeOffset(out var when) ? when : DateTimeOffset.UnixEpoch);
            }
            await command.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return found.Count;
    }

    /// <summary>Deletes the summary that ends at <paramref name="upToMessageId"/> (its row and its document).</summary>
    public async Task ForgetSummaryAsync(string ownerId, string upToMessageId, CancellationToken ct)
    {
        try
        {
            await index.DeleteAsync(router.Fallback.Collection, ownerId, [SummaryStore.IdFor(upToMessageId)], ct);
        }
        catch (SearchCollectionNotFoundException)
        {
            // Never created: nothing in it.
        }
        await using var delete = db.CreateCommand("delete from memory.summaries where owner_id = @owner::uuid and id = @id");
        delete.Parameters.AddWithValue("owner", ownerId);
        delete.Parameters.AddWithValue("id", SummaryStore.IdFor(upToMessageId));
        await delete.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>
/// The <c>memory.forget-messages</c> function's work: after the user deleted messages, memory forgets them — the
/// exchange's index entries and turn record, the unreviewed suggestions learnt from the user's message — and the
/// session's summaries that covered them are written again from what is left (a summary that ended at a deleted message
/// is removed, and the session summarised again up to its last message when it still has any). Idempotent.
/// </summary>
public sealed class MessageForgetter(DeletedTurnCleanup cleanup, NpgsqlDataSource db, SessionSummarizer summarizer, IConversationReader conversations,
    TimeProvider time, ILogger<MessageForgetter> logger)
{
    public async Task ForgetAsync(MessagesDeleted deleted, CancellationToken ct)
    {
        if (deleted.ReplyMessageId is { } reply) await cleanup.ForgetIndexAsync(deleted.OwnerId, reply, ct);
        if (deleted.UserMessageId is { } user) await cleanup.WithdrawSuggestionsAsync(deleted.OwnerId, user, ct);
        if (deleted.SessionId is not { } session) return;

        // The companion's summaries of the session that covered a deleted message (a group's session holds each companion's own).
        var covering = new List<string>();
        await using (var read = db.CreateCommand("""
            select up_to_message_id from memory.summaries
             where owner_id = @owner::uuid and session_id = @session and agent_id = @agent
               and (up_to_message_id = any(@ids) or (first_message_at <= @to and last_message_at >= @from) or status <> 'done')
            """))
        {
            read.Parameters.AddWithValue("owner", deleted.OwnerId);
            read.Parameters.AddWithValue("session", session);
            read.Parameters.AddWithValue("agent", deleted.AgentId);
            read.Parameters.AddWithValue("ids", deleted.MessageIds.ToArray());
            read.Parameters.AddWithValue("from", deleted.From);
            read.Parameters.AddWithValue("to", deleted.To);
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) covering.Add(reader.GetString(0));
        }
        var summariseToEnd = false;
        foreach (var upTo in covering)
        {
            if (deleted.MessageIds.Contains(upTo))
            {
                await cleanup.ForgetSummaryAsync(deleted.OwnerId, upTo, ct);
                summariseToEnd = true;
            }
            else
            {
                await summarizer.SummariseAsync(new SessionSummaryRequested(deleted.OwnerId, deleted.AgentId, session, upTo, time.GetUtcNow()), ct);
            }
        }
        if (summariseToEnd)
        {
            var last = await SessionMessages.ReadAsync(conversations, deleted.OwnerId, session, null, 1, ct, agentId: deleted.AgentId);
            if (last.Count > 0 && !covering.Contains(last[0].Id))
                await summarizer.SummariseAsync(new SessionSummaryRequested(deleted.OwnerId, deleted.AgentId, session, last[0].Id, time.GetUtcNow()), ct);
        }
        logger.LogInformation("Forgot {Count} deleted messages of session {SessionId}; {Summaries} summaries redone", deleted.MessageIds.Count, session, covering.Count);
    }
}
