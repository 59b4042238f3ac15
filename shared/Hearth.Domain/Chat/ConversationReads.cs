using Npgsql;

namespace Hearth.Chat;

/// <summary>The chat schema's statements that other features put in their own one-round-trip batches.</summary>
public static class ConversationReads
{
    /// <summary>When the user last wrote to the agent, up to <paramref name="at"/> (null: never).</summary>
    public static BatchRead<DateTimeOffset?> LastUserMessageAt(Guid owner, Guid agent, DateTimeOffset at)
    {
        var command = new NpgsqlBatchCommand("select max(created_at) from chat.messages where agent_id = @agent and owner_id = @owner and role = 'user' and created_at <= @at");
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("agent", agent);
        command.Parameters.AddWithValue("at", at);
        return new(command, async (reader, ct) => await reader.ReadAsync(ct) && !reader.IsDBNull(0) ? reader.GetFieldValue<DateTimeOffset>(0) : null);
    }
}
