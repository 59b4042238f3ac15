using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Chat;
using Hearth.Durable.Jobs;
using Hearth.Testing;
using Hearth.Testing.Host;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Hearth.Memory.Tests.Support;

/// <summary>
/// The real host with memory, and a test double of the chat's conversation reader (the chat feature is built in
/// parallel). Tests store turns in <see cref="Conversations"/> and enqueue the jobs the chat turn enqueues.
/// </summary>
public class MemoryHost : DevelopmentHost
{
    public FakeConversations Conversations { get; } = new();

    public LogCapture Logs { get; } = new();

    /// <summary>Replaces the embedder (null: the configured hashing embedder).</summary>
    protected virtual IEmbeddingGenerator<string, Embedding<float>>? Embedder => null;

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton<IConversationReader>(Conversations);
        services.AddSingleton<ILoggerProvider>(Logs);
        if (Embedder is { } embedder) services.AddSingleton(embedder);
    }

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["RateLimits:Imports:PermitLimit"] = "0",
        ["Memory:ImportBatchSize"] = "3",
    };

    public IServiceProvider Services => Factory.Services;

    public T Get<T>() where T : notnull => Factory.Services.GetRequiredService<T>();

    /// <summary>Enqueues a job as the chat turn does (inside a committed transaction).</summary>
    public async Task EnqueueAsync<T>(string queue, T payload, string? uniqueKey = null)
    {
        var db = Get<NpgsqlDataSource>();
        await using var connection = await db.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await Get<IJobClient>().EnqueueAsync(queue, payload, new EnqueueOptions { UniqueKey = uniqueKey }, tx);
        await tx.CommitAsync();
    }

    /// <summary>Stores a turn and enqueues its indexing, as the chat turn would.</summary>
    public async Task<TurnCommitted> TurnAsync(string ownerId, string agentId, string sessionId, string userText, string replyText, bool suggestions = false)
    {
        var turn = Conversations.AddTurn(ownerId, agentId, sessionId, userText, replyText);
        await EnqueueAsync(ChatQueues.IndexTurn, turn);
        if (suggestions) await EnqueueAsync(ChatQueues.ExtractSuggestions, turn);
        return turn;
    }

    /// <summary>Waits (bounded) until the turn is recorded as indexed.</summary>
    public Task WaitIndexedAsync(TurnCommitted turn) =>
        Eventually.TrueAsync(async () => await ScalarAsync<long>("select count(*) from memory.turns where reply_message_id = @p", turn.ReplyMessageId) == 1,
            TimeSpan.FromSeconds(20), $"turn {turn.ReplyMessageId} indexed");

    public async Task<T> ScalarAsync<T>(string sql, object? parameter = null)
    {
        await using var command = Get<NpgsqlDataSource>().CreateCommand(sql);
        if (parameter is not null) command.Parameters.AddWithValue("p", parameter);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>GET /api/search as <paramref name="user"/>; the ids found.</summary>
    public async Task<IReadOnlyList<JsonElement>> SearchAsync(HttpClient user, string query, string extra = "")
    {
        var response = await user.GetFromJsonAsync<JsonElement>($"/api/search?q={Uri.EscapeDataString(query)}{extra}");
        return response.GetProperty("items").EnumerateArray().ToList();
    }
}
