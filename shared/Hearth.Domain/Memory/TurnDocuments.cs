using Hearth.Chat;
using Hearth.Search;

namespace Hearth.Memory;

/// <summary>
/// What one chat turn becomes in the index: the exchange (<c>conv_&lt;reply id&gt;</c>, kind <c>turn</c>) and the rolling
/// window of the session's last exchanges ending at it (<c>win_&lt;reply id&gt;</c>, kind <c>window</c>; on a session's first
/// turn the window holds that exchange alone, so every exchange is in some window). Both carry owner, agent, session,
/// domain, time, the user's message as source and one <c>reply=&lt;id&gt;</c> tag per exchange they hold (recall uses those
/// to de-duplicate). Windows are what recall puts in the prompt (context); exchanges are what search shows (precision).
/// </summary>
public static class TurnDocuments
{
    public const string TurnKind = "turn";
    public const string WindowKind = "window";
    public const string ReplyTag = "reply=";

    /// <summary>Between the exchanges of a window's text.</summary>
    public const string ExchangeSeparator = "\n\n";

    public static string ExchangeId(string replyMessageId) => $"conv_{replyMessageId}";

    public static string WindowId(string replyMessageId) => $"win_{replyMessageId}";

    /// <summary>The text indexed for one exchange: the user's words, then the reply.</summary>
    public static string Text(ConversationExchange exchange) =>
        exchange.User.Text.Length == 0 ? exchange.Reply.Text : exchange.Reply.Text.Length == 0 ? exchange.User.Text : $"{exchange.User.Text}\n{exchange.Reply.Text}";

    /// <summary>The documents of one turn; <paramref name="window"/> ends with <paramref name="exchange"/> (oldest first).</summary>
    public static IReadOnlyList<SearchDocument> Build(
        string ownerId, string agentId, string sessionId, int turnNumber, ConversationExchange exchange, IReadOnlyList<ConversationExchange> window, string domain)
    {
        var reply = exchange.Reply.Id;
        var documents = new List<SearchDocument>(2)
        {
            new(ExchangeId(reply), ownerId, Text(exchange))
            {
                Agent = agentId, Session = sessionId, Domain = domain, Kind = TurnKind, Source = $"message:{exchange.User.Id}",
                CreatedAt = exchange.User.CreatedAt, Tags = [ReplyTag + reply, $"turn={turnNumber}"],
            },
        };
        var covered = window.Where(e => e.Reply.Id != reply).Append(exchange).ToList();
        documents.Add(new SearchDocument(WindowId(reply), ownerId, string.Join(ExchangeSeparator, covered.Select(Text)))
        {
            Agent = agentId, Session = sessionId, Domain = domain, Kind = WindowKind, Source = $"message:{exchange.User.Id}",
            CreatedAt = exchange.User.CreatedAt, Tags = [.. covered.Select(e => ReplyTag + e.Reply.Id), $"turn={turnNumber}"],
        });
        return documents;
    }

    /// <summary>The reply ids a document holds (from its tags).</summary>
    public static IReadOnlyList<string> Replies(SearchDocument document) =>
        document.Tags.Where(t => t.StartsWith(ReplyTag, StringComparison.Ordinal)).Select(t => t[ReplyTag.Length..]).ToList();
}
