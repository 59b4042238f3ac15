using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Testing;

namespace Hearth.Functions.Tests;

/// <summary>
/// The archive follows edits and choices of alternatives (issue 20): its copy of a message holds the text the user sees,
/// and whether (and when) that text was edited follows the alternative shown. The whole product runs (queues on).
/// </summary>
public sealed class MessageEditArchiveTests
{
    [Fact]
    public async Task The_archived_copy_follows_an_edit_and_the_chosen_alternative_with_its_edited_mark()
    {
        await using var chat = await ArchivedChat.StartAsync("archive-edit");
        var (user, agent) = (chat.User, chat.Agent);

        var turn = await chat.ChatAsync("I grow tomatoes on the balcony.");
        var userId = turn.GetProperty("userMessage").GetProperty("id").GetString()!;
        var replyId = turn.GetProperty("reply").GetProperty("id").GetString()!;
        var first = turn.GetProperty("reply").GetProperty("text").GetString()!;
        await ArchivedAsync(chat, replyId, first, edited: false, "the turn is archived");

        // The user's own message edited: the archive's copy is corrected and marked.
        chat.Clock.Advance(TimeSpan.FromMinutes(1));
        using (var edit = await user.PatchAsJsonAsync($"/api/agents/{agent}/messages/{userId}", new { text = "I grow chillies on the balcony." }))
            Assert.Equal(HttpStatusCode.OK, edit.StatusCode);
        await ArchivedAsync(chat, userId, "I grow chillies on the balcony.", edited: true, "the edit reaches the archive");

        // The reply edited, then written again: the archive holds the new alternative, unmarked; choosing the edited one back
        // brings its text and its mark back.
        using (var edit = await user.PatchAsJsonAsync($"/api/agents/{agent}/messages/{replyId}", new { text = "Chillies! Bold choice." }))
            Assert.Equal(HttpStatusCode.OK, edit.StatusCode);
        await ArchivedAsync(chat, replyId, "Chillies! Bold choice.", edited: true, "the reply's edit reaches the archive");
        using var regenerated = await user.PostAsync($"/api/agents/{agent}/messages/{replyId}/regenerate", null);
        Assert.Equal(HttpStatusCode.OK, regenerated.StatusCode);
        var second = (await regenerated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("text").GetString()!;
        Assert.NotEqual("Chillies! Bold choice.", second);
        await ArchivedAsync(chat, replyId, second, edited: false, "the regenerated reply replaces the archived one");
        using (var back = await user.PutAsJsonAsync($"/api/agents/{agent}/messages/{replyId}/selected", new { index = 0 }))
            Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        await ArchivedAsync(chat, replyId, "Chillies! Bold choice.", edited: true, "the chosen alternative is archived with its mark");
        Assert.Equal(2L, await chat.ArchiveScalarAsync("select count(*) from archive.chat_messages where owner_id = (select owner_id from archive.chat_messages where id = $1)", replyId));
    }

    private static async Task ArchivedAsync(ArchivedChat chat, string id, string text, bool edited, string what) =>
        await Eventually.TrueAsync(async () =>
            await chat.ArchiveScalarAsync("select count(*) from archive.chat_messages where id = $1 and text = $2 and (edited_at is not null) = $3", id, text, edited) == 1,
            ArchivedChat.Bound, what);
}
