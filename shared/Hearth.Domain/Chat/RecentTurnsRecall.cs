using Hearth.Memory;

namespace Hearth.Chat;

/// <summary>
/// Hot memory from the recent exchanges the turn has already read (one item per exchange, id = the reply's id): what
/// the turn replies with when memory's recall fails.
/// </summary>
public static class RecentTurnsRecall
{
    /// <summary>Hot memory from recent messages (oldest first).</summary>
    public static Recall From(IReadOnlyList<ConversationMessage> recent, int maxItems = 8)
    {
        var hot = new List<RecalledMemory>();
        for (var i = 0; i < recent.Count; i++)
        {
            if (recent[i].Role != "user" || i + 1 >= recent.Count || recent[i + 1].Role != "agent") continue;
            var reply = recent[i + 1];
            hot.Add(new RecalledMemory(reply.Id, "turn", "hot", $"{Clip(recent[i].Text)} → {Clip(reply.Text)}", 1.0));
        }
        if (hot.Count > maxItems) hot = hot.Skip(hot.Count - maxItems).ToList();
        return hot.Count == 0 ? Recall.Empty : new Recall(hot, [], [], null, null);
    }

    private static string Clip(string text) => text.Length <= 140 ? text : text[..139] + "…";
}
