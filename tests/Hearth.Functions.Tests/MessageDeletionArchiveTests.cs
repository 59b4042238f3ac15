using System.Net;
using Hearth.Testing;

namespace Hearth.Functions.Tests;

/// <summary>
/// Deleting a message deletes every copy of it (issue 20): with an archive database configured, the archive's mirror of
/// the exchange goes too, while the rest of the conversation stays archived. The whole product runs (queues on).
/// </summary>
public sealed class MessageDeletionArchiveTests
{
    [Fact]
    public async Task A_deleted_exchange_leaves_the_archive_and_the_rest_of_the_conversation_stays()
    {
        await using var chat = await ArchivedChat.StartAsync("archive-delete");
        var agent = chat.Agent;

        var kept = await chat.ChatAsync("I grow tomatoes on the balcony.");
        var gone = await chat.ChatAsync("My bank PIN is hidden under the quokkaplant.");
        await Eventually.TrueAsync(async () => await chat.ArchiveScalarAsync("select count(*) from archive.chat_messages where agent_id = $1", agent) == 4,
            ArchivedChat.Bound, "both exchanges are archived");

        using (var deleted = await chat.User.DeleteAsync($"/api/agents/{agent}/messages/{gone.GetProperty("userMessage").GetProperty("id").GetString()}"))
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);

        await Eventually.TrueAsync(async () => await chat.ArchiveScalarAsync("select count(*) from archive.chat_messages where agent_id = $1", agent) == 2,
            ArchivedChat.Bound, "the deleted exchange leaves the archive");
        Assert.Equal(0, await chat.ArchiveScalarAsync("select count(*) from archive.chat_messages where text like '%quokkaplant%'"));
        Assert.Equal(0, await chat.ArchiveScalarAsync("select count(*) from archive.chat_messages where id = any($1)",
            (object)new[] { gone.GetProperty("userMessage").GetProperty("id").GetString()!, gone.GetProperty("reply").GetProperty("id").GetString()! }));
        Assert.Equal(2, await chat.ArchiveScalarAsync("select count(*) from archive.chat_messages where id = any($1)",
            (object)new[] { kept.GetProperty("userMessage").GetProperty("id").GetString()!, kept.GetProperty("reply").GetProperty("id").GetString()! }));
    }
}
