using Npgsql;

namespace Hearth.Chat;

/// <summary>
/// A card's greetings as swipes of the opening message (SillyTavern's alternate greetings): the card's first message is
/// alternative 0, each alternate greeting the next; choosing one makes it the opening — its text is the message's, so
/// the prompt's "You opened this conversation with" and the messages API read it — until the user writes the first line.
/// </summary>
public sealed partial class ChatTurnService
{
    /// <summary>Stores the opening's greetings (macros already applied; the first is the card's first message) as its alternatives.</summary>
    internal static async Task WriteGreetingsAsync(NpgsqlTransaction tx, Guid owner, Guid message, IReadOnlyList<string> greetings, DateTimeOffset at, CancellationToken ct)
    {
        if (greetings.Count < 2) return;
        await using var command = new NpgsqlCommand("""
            insert into chat.reply_alternatives (reply_id, idx, owner_id, text, mood_delta, affinity_delta, reason, created_at)
            select @message, g.i - 1, @owner, g.text, 0, 0, 'a greeting of the card', @at from unnest(@greetings) with ordinality as g(text, i);
            update chat.messages set selected_alternative = 0 where id = @message;
            """, tx.Connection, tx);
        command.Parameters.AddWithValue("message", message);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("greetings", greetings.ToArray());
        command.Parameters.AddWithValue("at", at);
        await command.ExecuteNonQueryAsync(ct);
    }

    private sealed record OpeningRow(Guid Id, string Text, int? Selected, DateTimeOffset CreatedAt, bool Answered);

    /// <summary>The card's opening message of the agent (null when <paramref name="message"/> is not one).</summary>
    private static async Task<OpeningRow?> FindOpeningAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, Guid owner, Guid agent, Guid message, CancellationToken ct,
        bool forUpdate = false)
    {
        await using var command = new NpgsqlCommand($"""
            select m.id, m.text, m.selected_alternative, m.created_at,
                   exists (select 1 from chat.messages later where later.agent_id = m.agent_id and later.seq > m.seq and later.role = 'user')
              from chat.messages m
             where m.id = @message and m.agent_id = @agent and m.owner_id = @owner and m.role = 'agent' and m.reply_to is null
               and m.dedupe_key = 'card:first-message'
            {(forUpdate ? "for update" : "")}
            """, connection, tx);
        command.Parameters.AddWithValue("message", message);
        command.Parameters.AddWithValue("agent", agent);
        command.Parameters.AddWithValue("owner", owner);
        await using var r = await command.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) return null;
        return new OpeningRow(r.GetGuid(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetInt32(2), r.GetFieldValue<DateTimeOffset>(3), r.GetBoolean(4));
    }

    private static async Task<ReplyAlternatives> OpeningViewAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, OpeningRow row, CancellationToken ct)
    {
        var items = await ListAlternativesOfAsync(connection, tx, row.Id, ct);
        if (items.Count == 0) items.Add(new ReplyAlternative(0, row.Text, null, null, row.CreatedAt));
        return new ReplyAlternatives(row.Id.ToString(), row.Selected ?? 0, items, row.Text, null, null, [], []);
    }

    /// <summary>Chooses greeting <paramref name="index"/> as the opening (409 once the user has written).</summary>
    private async Task<AlternativesOutcome> SelectGreetingAsync(NpgsqlTransaction tx, OpeningRow row, int index, CancellationToken ct)
    {
        var count = Math.Max(1, (await ListAlternativesOfAsync(tx.Connection!, tx, row.Id, ct)).Count);
        if (index < 0 || index >= count) return new AlternativesOutcome(null, 400, $"must be between 0 and {count - 1}");
        if (row.Answered && index != (row.Selected ?? 0))
            return new AlternativesOutcome(null, 409, "The opening can be chosen only before you write; the conversation has begun.");
        await using (var update = new NpgsqlCommand("""
            update chat.messages m set text = x.text, selected_alternative = x.idx, edited_at = x.edited_at
              from chat.reply_alternatives x where x.reply_id = m.id and x.idx = @idx and m.id = @message
            """, tx.Connection, tx))
        {
            update.Parameters.AddWithValue("message", row.Id);
            update.Parameters.AddWithValue("idx", index);
            await update.ExecuteNonQueryAsync(ct);
        }
        await using var reread = new NpgsqlCommand("select text from chat.messages where id = @message", tx.Connection, tx);
        reread.Parameters.AddWithValue("message", row.Id);
        var text = (string)(await reread.ExecuteScalarAsync(ct))!;
        var view = await OpeningViewAsync(tx.Connection!, tx, row with { Text = text, Selected = count > 1 ? index : row.Selected }, ct);
        return new AlternativesOutcome(view);
    }
}
