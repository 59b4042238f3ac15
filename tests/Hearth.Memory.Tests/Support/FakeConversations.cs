using System.Collections.Concurrent;
using Hearth.Chat;

namespace Hearth.Memory.Tests.Support;

/// <summary>
/// A test double of the chat's conversation store: messages kept in memory, read through <see cref="IConversationReader"/>
/// with the chat's contract (owner-scoped, oldest first). <see cref="AddTurn"/> stores an exchange and returns the
/// <see cref="TurnCommitted"/> the chat turn would enqueue.
/// </summary>
public sealed class FakeConversations : IConversationReader
{
    private readonly ConcurrentDictionary<string, List<ConversationMessage>> _sessions = new();
    private static DateTimeOffset _clock = new(2024, 5, 1, 9, 0, 0, TimeSpan.Zero);

    public TurnCommitted AddTurn(string ownerId, string agentId, string sessionId, string userText, string replyText, DateTimeOffset? at = null)
    {
        var when = at ?? NextTime();
        var messages = _sessions.GetOrAdd(Key(ownerId, sessionId), _ => []);
        lock (messages)
        {
            var user = new ConversationMessage(Guid.NewGuid().ToString(), ownerId, agentId, sessionId, "user", userText, when);
            var reply = new ConversationMessage(Guid.NewGuid().ToString(), ownerId, agentId, sessionId, "agent", replyText, when.AddSeconds(1));
            messages.Add(user);
            messages.Add(reply);
            var turn = messages.Count(m => m.Role == "agent");
            return new TurnCommitted(ownerId, agentId, sessionId, user.Id, reply.Id, turn, reply.CreatedAt);
        }
    }

    /// <summary>A user message not answered yet (the message being answered while recall runs).</summary>
    public void AddUserMessage(string ownerId, string agentId, string sessionId, string text)
    {
        var messages = _sessions.GetOrAdd(Key(ownerId, sessionId), _ => []);
        lock (messages) messages.Add(new ConversationMessage(Guid.NewGuid().ToString(), ownerId, agentId, sessionId, "user", text, NextTime()));
    }

    public Task<ConversationExchange?> GetExchangeAsync(string ownerId, string replyMessageId, CancellationToken ct)
    {
        foreach (var (key, messages) in _sessions)
        {
            if (!key.StartsWith(ownerId + "/", StringComparison.Ordinal)) continue;
            lock (messages)
            {
                var index = messages.FindIndex(m => m.Id == replyMessageId && m.Role == "agent");
                if (index > 0 && messages[index - 1].Role == "user")
                    return Task.FromResult<ConversationExchange?>(new ConversationExchange(messages[index - 1], messages[index]));
            }
        }
        return Task.FromResult<ConversationExchange?>(null);
    }

    public Task<IReadOnlyList<ConversationExchange>> GetExchangesAsync(string ownerId, string sessionId, string upToReplyMessageId, int count, CancellationToken ct)
    {
        if (!_sessions.TryGetValue(Key(ownerId, sessionId), out var messages)) return Task.FromResult<IReadOnlyList<ConversationExchange>>([]);
        lock (messages)
        {
            var end = messages.FindIndex(m => m.Id == upToReplyMessageId);
            if (end < 0) return Task.FromResult<IReadOnlyList<ConversationExchange>>([]);
            var exchanges = new List<ConversationExchange>();
            for (var i = 1; i <= end; i++)
                if (messages[i].Role == "agent" && messages[i - 1].Role == "user") exchanges.Add(new ConversationExchange(messages[i - 1], messages[i]));
            return Task.FromResult<IReadOnlyList<ConversationExchange>>(exchanges.TakeLast(count).ToList());
        }
    }

    public Task<IReadOnlyList<ConversationMessage>> GetSessionMessagesAsync(string ownerId, string sessionId, string? afterMessageId, int limit, CancellationToken ct)
    {
        if (!_sessions.TryGetValue(Key(ownerId, sessionId), out var messages)) return Task.FromResult<IReadOnlyList<ConversationMessage>>([]);
        lock (messages)
        {
            var start = afterMessageId is null ? 0 : messages.FindIndex(m => m.Id == afterMessageId) + 1;
            return Task.FromResult<IReadOnlyList<ConversationMessage>>(messages.Skip(start).Take(limit).ToList());
        }
    }

    private static string Key(string ownerId, string sessionId) => $"{ownerId}/{sessionId}";

    private static DateTimeOffset NextTime()
    {
        lock (ClockLock) return _clock = _clock.AddMinutes(1);
    }

    private static readonly object ClockLock = new();
}
