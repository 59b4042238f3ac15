using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Testing;

namespace Hearth.Functions.Tests;

/// <summary>
/// Group lines reach the archive as 1:1 turns do (issue 20): each companion's exchange is mirrored, an edit corrects the
/// copy, and deleting a line erases the copies of everything it took along. The whole product runs (queues on).
/// </summary>
public sealed class GroupArchiveTests
{
    [Fact]
    public async Task A_groups_exchanges_are_archived_edits_correct_the_copies_and_deletions_erase_them()
    {
        await using var chat = await ArchivedChat.StartAsync("archive-group");
        var user = chat.User;
        string ben, group;
        using (var created = await user.PostAsJsonAsync("/api/agents", new { name = "Ben", timezone = "UTC" }))
            ben = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        using (var created = await user.PostAsJsonAsync("/api/groups", new { agentIds = new[] { chat.Agent, ben } }))
            group = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        JsonElement turn;
        using (var said = await user.PostAsJsonAsync($"/api/groups/{group}/chat", new { text = "Mia and Ben, I planted tomatoes today." }))
        {
            Assert.Equal(HttpStatusCode.OK, said.StatusCode);
            turn = await said.Content.ReadFromJsonAsync<JsonElement>();
        }
        var userLine = turn.GetProperty("userMessage").GetProperty("id").GetString()!;
        var replies = turn.GetProperty("replies").EnumerateArray().Select(r => r.GetProperty("id").GetString()!).ToList();
        Assert.Equal(2, replies.Count);
        await Eventually.TrueAsync(async () => await chat.ArchiveScalarAsync("select count(*) from archive.chat_messages where session_id = $1", group) == 3,
            ArchivedChat.Bound, "the user's line and both replies are archived, the line once");
        Assert.Equal(1L, await chat.ArchiveScalarAsync("select count(*) from archive.chat_messages where id = $1 and agent_id = $2", replies[1], ben));

        // Ben's line edited: the copy is corrected and marked.
        using (var edit = await user.PatchAsJsonAsync($"/api/groups/{group}/messages/{replies[1]}", new { text = "Tomatoes! Mind the slugs." }))
            Assert.Equal(HttpStatusCode.OK, edit.StatusCode);
        await Eventually.TrueAsync(async () =>
                await chat.ArchiveScalarAsync("select count(*) from archive.chat_messages where id = $1 and text = $2 and edited_at is not null", replies[1], "Tomatoes! Mind the slugs.") == 1,
            ArchivedChat.Bound, "the edit reaches the archive");

        // The user's line deleted: it and both replies leave the archive.
        using (var deleted = await user.DeleteAsync($"/api/groups/{group}/messages/{userLine}"))
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        await Eventually.TrueAsync(async () => await chat.ArchiveScalarAsync("select count(*) from archive.chat_messages where session_id = $1", group) == 0,
            ArchivedChat.Bound, "the deletion erases the archived copies");
    }
}
