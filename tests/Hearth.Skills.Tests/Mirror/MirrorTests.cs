using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Archive;
using Hearth.Chat;
using Hearth.Durable.Jobs;
using Hearth.Skills.Tests.Support;
using Hearth.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Hearth.Skills.Tests.Mirror;

/// <summary>A conversation reader standing in for the chat feature's (not merged yet): a fixed set of exchanges.</summary>
public sealed class FakeConversations : IConversationReader
{
    public Dictionary<string, ConversationExchange> Exchanges { get; } = new(StringComparer.Ordinal);

    public Task<ConversationExchange?> GetExchangeAsync(string ownerId, string replyMessageId, CancellationToken ct) =>
        Task.FromResult(Exchanges.TryGetValue(replyMessageId, out var e) && e.Reply.OwnerId == ownerId ? e : null);

    public Task<IReadOnlyList<ConversationExchange>> GetExchangesAsync(string ownerId, string sessionId, string upToReplyMessageId, int count, CancellationToken ct) =>
        throw new NotSupportedException();

    public Task<IReadOnlyList<ConversationMessage>> GetSessionMessagesAsync(string ownerId, string sessionId, string? afterMessageId, int limit, CancellationToken ct) =>
        throw new NotSupportedException();
}

/// <summary>A host with an archive database and the fake conversation reader.</summary>
public sealed class MirrorHost : SkillsHost
{
    public FakeConversations Conversations { get; } = new();

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<IConversationReader>(Conversations);
}

/// <summary>The archive mirror: sync per changed file, the verify report, append-only rows, chat turns.</summary>
public sealed class MirrorTests(MirrorHost host) : IClassFixture<MirrorHost>
{
    private NpgsqlDataSource Archive() => NpgsqlDataSource.Create(host.ArchiveConnectionString!);

    private NpgsqlDataSource Library() => NpgsqlDataSource.Create(host.Factory.ConnectionString);

    [Fact]
    public async Task Every_changed_file_is_appended_to_the_archive_and_verify_reports_full_sync()
    {
        Assert.True(host.Service<IArchiveMirror>().IsEnabled);
        var client = host.User("mirror-sync");
        var file = await client.PutFileOkAsync("skills/a/SKILL.md", "# A\n");
        await client.PutFileOkAsync("skills/a/SKILL.md", "# A\n\nmore\n");
        await client.PutFileOkAsync("skills/a/SKILL.md", "# A\n\nmore\n"); // unchanged: no sync message
        await client.PutFileOkAsync("skills/b/SKILL.md", "# B\n");
        var owner = await host.UserIdAsync("mirror-sync");

        await using var archive = Archive();
        await Eventually.TrueAsync(async () => await CountAsync(archive, "select count(*) from archive.skill_versions where owner_id = $1::uuid", owner) == 3,
            TimeSpan.FromSeconds(30), "three versions in the archive");
        await using (var command = archive.CreateCommand("select content from archive.skill_versions where file_id = $1 and version = 2"))
        {
            command.Parameters.Add(new() { Value = file.GetProperty("id").GetString() });
            Assert.Equal("# A\n\nmore\n"u8.ToArray(), (byte[])(await command.ExecuteScalarAsync())!);
        }

        var report = await client.GetJsonAsync("/api/skills/mirror/verify");
        Assert.Equal(2, report.GetProperty("libraryFiles").GetInt32());
        Assert.Equal(2, report.GetProperty("inSync").GetInt32());
        Assert.Equal(100.0, report.GetProperty("inSyncPercent").GetDouble());
        Assert.Equal(0, report.GetProperty("missingCount").GetInt32() + report.GetProperty("extraCount").GetInt32() + report.GetProperty("mismatchedCount").GetInt32());
    }

    [Fact]
    public async Task Verify_reports_missing_extra_and_mismatched_files_and_counts_mismatches_as_out_of_sync()
    {
        var client = host.User("mirror-verify");
        var owner = await host.UserIdAsync("mirror-verify");
        var synced = await client.PutFileOkAsync("in-sync.md", "# In sync\n");
        var changed = await client.PutFileOkAsync("mismatched.md", "# Mine\n");
        await using var archive = Archive();
        await Eventually.TrueAsync(async () => await CountAsync(archive, "select count(*) from archive.skill_versions where owner_id = $1::uuid", owner) == 2,
            TimeSpan.FromSeconds(30), "both files archived");

        // Missing: a library file the archive never got (as if the sync message were lost).
        await using (var library = Library())
        await using (var command = library.CreateCommand("""
            insert into skills.files (id, owner_id, path, type, format, version, sha256, length, section_count, created_at, updated_at)
            values ('0000000000000000000000000000abcd', $1::uuid, 'missing.md', 'documentation', 'markdown', 1, repeat('a', 64), 1, 1, now(), now())
            """))
        {
            command.Parameters.Add(new() { Value = owner });
            await command.ExecuteNonQueryAsync();
        }
        // Extra: an archived path the library does not have; mismatched: a newer archived version with other bytes.
        var store = host.Service<ArchiveStore>();
        await store.AppendSkillVersionsAsync(
        [
            new ArchivedSkillVersion(owner, "0000000000000000000000000000ffff", "extra.md", 1, new string('b', 64), "documentation", "x"u8.ToArray(), DateTimeOffset.UtcNow),
            new ArchivedSkillVersion(owner, changed.GetProperty("id").GetString()!, "mismatched.md", 7, new string('c', 64), "documentation", "y"u8.ToArray(), DateTimeOffset.UtcNow),
        ], CancellationToken.None);

        var report = await client.GetJsonAsync("/api/skills/mirror/verify");
        Assert.Equal(3, report.GetProperty("libraryFiles").GetInt32());
        Assert.Equal(1, report.GetProperty("inSync").GetInt32());
        Assert.Equal("missing.md", Assert.Single(report.GetProperty("missing").EnumerateArray()).GetProperty("path").GetString());
        Assert.Equal("extra.md", Assert.Single(report.GetProperty("extra").EnumerateArray()).GetProperty("path").GetString());
        var mismatch = Assert.Single(report.GetProperty("mismatched").EnumerateArray());
        Assert.Equal("mismatched.md", mismatch.GetProperty("path").GetString());
        Assert.Equal(changed.GetProperty("sha256").GetString(), mismatch.GetProperty("librarySha256").GetString());
        Assert.Equal(7, mismatch.GetProperty("archiveVersion").GetInt32());
        // 1 in sync of 3 library files + 1 extra.
        Assert.Equal(25.0, report.GetProperty("inSyncPercent").GetDouble());
        _ = synced;

        // Another user's verify sees only their own (empty) library; an admin sees every owner.
        var stranger = await host.User("mirror-stranger").GetJsonAsync("/api/skills/mirror/verify");
        Assert.Equal(0, stranger.GetProperty("libraryFiles").GetInt32());
        var admin = await host.Admin.GetJsonAsync("/api/skills/mirror/verify");
        Assert.Contains(admin.GetProperty("extra").EnumerateArray(), e => e.GetProperty("owner").GetString() == owner);
    }

    [Fact]
    public async Task The_archive_refuses_changes_and_a_conflicting_append()
    {
        await using var archive = Archive();
        var owner = "00000000-0000-4000-8000-0000000a0001"; // any user id
        var store = host.Service<ArchiveStore>();
        var version = new ArchivedSkillVersion(owner, "00000000000000000000000000001111", "a.md", 1, new string('d', 64), "documentation", "a"u8.ToArray(), DateTimeOffset.UtcNow);
        Assert.Equal(1, await store.AppendSkillVersionsAsync([version], CancellationToken.None));
        Assert.Equal(0, await store.AppendSkillVersionsAsync([version], CancellationToken.None)); // idempotent
        await Assert.ThrowsAsync<ArchiveConflictException>(() => store.AppendSkillVersionsAsync([version with { Sha256 = new string('e', 64) }], CancellationToken.None));

        foreach (var sql in new[] { "update archive.skill_versions set path = 'b.md'", "delete from archive.skill_versions", "truncate archive.chat_messages" })
        {
            await using var command = archive.CreateCommand(sql);
            var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
            Assert.Contains("append-only", error.MessageText);
        }
    }

    [Fact]
    public async Task A_mirror_turn_job_copies_the_turns_two_messages_once()
    {
        var at = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()); // PostgreSQL keeps microseconds
        var user = new ConversationMessage("m-user-1", "00000000-0000-4000-8000-0000000c0001", "agent-1", "session-1", "user", "Hello there", at);
        var reply = new ConversationMessage("m-reply-1", "00000000-0000-4000-8000-0000000c0001", "agent-1", "session-1", "agent", "Hi! How was the hike?", at.AddSeconds(2));
        host.Conversations.Exchanges[reply.Id] = new ConversationExchange(user, reply);
        var turn = new TurnCommitted("00000000-0000-4000-8000-0000000c0001", "agent-1", "session-1", user.Id, reply.Id, 1, at);

        var jobs = host.Service<IJobClient>();
        await jobs.EnqueueAsync(ChatQueues.MirrorTurn, turn);
        var store = host.Service<ArchiveStore>();
        var archived = await Eventually.ValueAsync(() => store.SessionMessagesAsync("00000000-0000-4000-8000-0000000c0001", "session-1", CancellationToken.None),
            m => m.Count == 2, TimeSpan.FromSeconds(30), "the turn in the archive");
        Assert.Equal([user, reply], archived);

        // Delivered again (at least once): still two rows.
        var second = await jobs.EnqueueAsync(ChatQueues.MirrorTurn, turn);
        await Eventually.TrueAsync(async () => (await jobs.GetAsync(second!.Value))?.State == JobState.Succeeded, TimeSpan.FromSeconds(30), "the second job");
        Assert.Equal(2, (await store.SessionMessagesAsync("00000000-0000-4000-8000-0000000c0001", "session-1", CancellationToken.None)).Count);

        // A turn whose reply is gone (another owner's id) archives nothing and does not fail.
        var unknown = await jobs.EnqueueAsync(ChatQueues.MirrorTurn, turn with { OwnerId = "00000000-0000-4000-8000-0000000e0001" });
        await Eventually.TrueAsync(async () => (await jobs.GetAsync(unknown!.Value))?.State == JobState.Succeeded, TimeSpan.FromSeconds(30), "the unknown turn");
        Assert.Empty(await store.SessionMessagesAsync("00000000-0000-4000-8000-0000000e0001", "session-1", CancellationToken.None));
    }

    private static async Task<long> CountAsync(NpgsqlDataSource db, string sql, string owner)
    {
        await using var command = db.CreateCommand(sql);
        command.Parameters.Add(new() { Value = owner });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
