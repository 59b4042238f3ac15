using Npgsql;

namespace Hearth.Identity;

internal sealed class UserStore(NpgsqlDataSource db) : IUserStore
{
    private const string Columns = "id::text, subject, display_name, is_admin, time_zone, created_at";

    public async Task<User> SignInAsync(UserSighting sighting, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(sighting.Subject) || sighting.Subject.Length > 255)
            throw new ArgumentException("A subject is 1-255 characters.", nameof(sighting));

        // The common case is one read; a first sight inserts, and a race with another first sight reads the winner's row.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            if (await FindBySubjectAsync(sighting.Subject, ct) is { } existing)
                return existing.IsAdmin == sighting.IsAdmin ? existing : await SetAdminAsync(existing, sighting.IsAdmin, ct);

            await using var insert = db.CreateCommand($"""
                insert into identity.users (subject, display_name, is_admin, time_zone)
                values (@subject, @display_name, @is_admin, @time_zone)
                on conflict (subject) do nothing
                returning {Columns}
                """);
            insert.Parameters.AddWithValue("subject", sighting.Subject);
            insert.Parameters.AddWithValue("display_name", DisplayNameFor(sighting));
            insert.Parameters.AddWithValue("is_admin", sighting.IsAdmin);
            insert.Parameters.AddWithValue("time_zone", TimeZones.IsKnown(sighting.TimeZone) ? sighting.TimeZone! : "UTC");
            await using var reader = await insert.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct)) return Read(reader);
        }
        throw new InvalidOperationException($"Could not create or read the user for a subject after 3 attempts.");
    }

    public Task<User?> FindAsync(string id, CancellationToken ct = default) =>
        Guid.TryParse(id, out var uuid) ? QueryOneAsync($"select {Columns} from identity.users where id = @value", uuid, ct) : Task.FromResult<User?>(null);

    public Task<User?> FindBySubjectAsync(string subject, CancellationToken ct = default) =>
        QueryOneAsync($"select {Columns} from identity.users where subject = @value", subject, ct);

    public async Task<User?> UpdateProfileAsync(string id, ProfileChange change, CancellationToken ct = default)
    {
        var name = change.DisplayName?.Trim();
        if (name is not null && name.Length is 0 or > 200)
            throw new ArgumentException("A display name is 1-200 characters.", nameof(change.DisplayName));
        if (change.TimeZone is not null && !TimeZones.IsKnown(change.TimeZone))
            throw new ArgumentException($"'{change.TimeZone}' is not an IANA time zone name such as 'Europe/Paris'.", nameof(change.TimeZone));
        if (!Guid.TryParse(id, out var uuid)) return null;

        await using var command = db.CreateCommand($"""
            update identity.users
               set display_name = coalesce(@display_name, display_name),
                   time_zone    = coalesce(@time_zone, time_zone)
             where id = @id
            returning {Columns}
            """);
        command.Parameters.AddWithValue("id", uuid);
        command.Parameters.Add(new NpgsqlParameter("display_name", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)name ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("time_zone", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)change.TimeZone ?? DBNull.Value });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    private async Task<User> SetAdminAsync(User user, bool isAdmin, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"update identity.users set is_admin = @is_admin where id = @id returning {Columns}");
        command.Parameters.AddWithValue("id", Guid.Parse(user.Id));
        command.Parameters.AddWithValue("is_admin", isAdmin);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : user with { IsAdmin = isAdmin };
    }

    private async Task<User?> QueryOneAsync<T>(string sql, T value, CancellationToken ct)
    {
        await using var command = db.CreateCommand(sql);
        command.Parameters.AddWithValue("value", value!);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    private static string DisplayNameFor(UserSighting sighting)
    {
        var name = string.IsNullOrWhiteSpace(sighting.DisplayName) ? sighting.Subject : sighting.DisplayName.Trim();
        return name.Length > 200 ? name[..200] : name;
    }

    private static User Read(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetString(2),
        reader.GetBoolean(3),
        reader.GetString(4),
        reader.GetFieldValue<DateTimeOffset>(5));
}
