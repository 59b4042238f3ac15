using Npgsql;

namespace Hearth.Identity;

/// <summary>The identity schema's statements that other features put in their own batches (one round trip, one transaction).</summary>
public static class IdentityStatements
{
    /// <summary>The user's IANA time zone ("UTC" when unknown or unset).</summary>
    public static BatchRead<string> TimeZoneOf(Guid user)
    {
        var command = new NpgsqlBatchCommand("select coalesce((select time_zone from identity.users where id = @user), 'UTC')");
        command.Parameters.AddWithValue("user", user);
        return new(command, async (reader, ct) => await reader.ReadAsync(ct) ? reader.GetString(0) : "UTC");
    }

    /// <summary>Deletes the user row (account deletion, in the deleting feature's transaction).</summary>
    public static NpgsqlBatchCommand DeleteUser(Guid user)
    {
        var command = new NpgsqlBatchCommand("delete from identity.users where id = @user");
        command.Parameters.AddWithValue("user", user);
        return command;
    }
}
