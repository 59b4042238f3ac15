using Hearth.Chat;

namespace Hearth.Memory;

/// <summary>Reading a session through the chat's <see cref="IConversationReader"/>, which pages from the start.</summary>
public static class SessionMessages
{
    private const int Page = 200;
    private const int MaxPages = 100;

    /// <summary>
    /// The last <paramref name="keep"/> messages of a session, oldest first, up to and including <paramref name="upToMessageId"/>
    /// (null: to the end), starting after <paramref name="afterMessageId"/> (null: from the start); with <paramref name="agentId"/>,
    /// as that companion took part in the session (in a group chat: its exchanges).
    /// </summary>
    public static async Task<IReadOnlyList<ConversationMessage>> ReadAsync(
        IConversationReader reader, string ownerId, string sessionId, string? upToMessageId, int keep, CancellationToken ct, string? afterMessageId = null,
        string? agentId = null)
    {
        var kept = new Queue<ConversationMessage>(keep + 1);
        var after = afterMessageId;
        for (var page = 0; page < MaxPages; page++)
        {
            var messages = agentId is null
                ? await reader.GetSessionMessagesAsync(ownerId, sessionId, after, Page, ct)
                : await reader.GetSessionMessagesAsync(ownerId, agentId, sessionId, after, Page, ct);
            foreach (var message in messages)
            {
                kept.Enqueue(message);
                if (kept.Count > keep) kept.Dequeue();
                if (message.Id == upToMessageId) return kept.ToList();
            }
            if (messages.Count < Page) break;
            after = messages[^1].Id;
        }
        return kept.ToList();
    }

    /// <summary>Messages paired into exchanges: each user message with the agent message that follows it.</summary>
    public static IReadOnlyList<ConversationExchange> Pair(IReadOnlyList<ConversationMessage> messages)
    {
        var exchanges = new List<ConversationExchange>();
        for (var i = 0; i + 1 < messages.Count; i++)
        {
            if (messages[i].Role == "user" && messages[i + 1].Role != "user")
            {
                exchanges.Add(new ConversationExchange(messages[i], messages[i + 1]));
                i++;
            }
        }
        return exchanges;
    }
}
