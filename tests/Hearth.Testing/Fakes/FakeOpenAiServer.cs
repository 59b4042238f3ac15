using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Hearth.Testing.Fakes;

/// <summary>One chat message of a request the fake received.</summary>
public sealed record FakeChatMessage(string Role, string Content);

/// <summary>A chat-completions request the fake received, parsed.</summary>
public sealed record FakeChatRequest(string Path, string? Authorization, string Model, bool Stream, IReadOnlyList<FakeChatMessage> Messages, JsonObject Body)
{
    /// <summary>The system prompt (first system message), or "".</summary>
    public string System => Messages.FirstOrDefault(m => m.Role is "system" or "developer")?.Content ?? "";

    /// <summary>Every message's content, joined (for "the request carries …" assertions).</summary>
    public string AllText => string.Join("\n", Messages.Select(m => m.Content));

    public string LastUser => Messages.LastOrDefault(m => m.Role == "user")?.Content ?? "";
}

/// <summary>How the fake answers one request.</summary>
/// <param name="Status">HTTP status; not 200 → an OpenAI-style error body.</param>
/// <param name="Content">The assistant's text (streamed in a few chunks when the request streams).</param>
/// <param name="Delay">Wait before answering (a timeout test sets it longer than the client's timeout).</param>
/// <param name="RetryAfter">Sent as Retry-After (whole seconds) on errors.</param>
/// <param name="RetryAfterMs">Sent as retry-after-ms on errors (what OpenAI sends).</param>
/// <param name="Model">The model the answer names; null: the model the request asked for.</param>
/// <param name="FailMidStream">Streams part of the text, then a broken chunk and no end.</param>
public sealed record FakeChatReply(
    int Status = 200,
    string? Content = null,
    TimeSpan? Delay = null,
    int PromptTokens = 42,
    int CompletionTokens = 17,
    string? Model = null,
    TimeSpan? RetryAfter = null,
    int? RetryAfterMs = null,
    bool FailMidStream = false)
{
    public static FakeChatReply Text(string content, int promptTokens = 42, int completionTokens = 17) => new(Content: content, PromptTokens: promptTokens, CompletionTokens: completionTokens);

    public static FakeChatReply Error(int status, TimeSpan? retryAfter = null, int? retryAfterMs = null) => new(status, RetryAfter: retryAfter, RetryAfterMs: retryAfterMs);

    public static FakeChatReply Hang(TimeSpan delay) => new(Content: "too late", Delay: delay);
}

/// <summary>
/// A fake OpenAI-compatible chat-completions server on a real loopback Kestrel server (any path ending in
/// <c>/chat/completions</c>; point a client at <see cref="V1"/>). Answers from a script (<see cref="Enqueue"/>), else from
/// <see cref="Responder"/>; records every request (<see cref="Requests"/>). Streams like OpenAI (SSE chunks, usage last,
/// <c>[DONE]</c>) when the request asks to. With <see cref="ApiKey"/> set, other bearer tokens get 401.
/// </summary>
public sealed class FakeOpenAiServer : IAsyncDisposable
{
    private readonly object _lock = new();
    private readonly List<FakeChatRequest> _requests = [];
    private readonly Queue<FakeChatReply> _script = new();
    private LoopbackServer _server = null!;
    private int _ids;

    private FakeOpenAiServer(string? apiKey) => ApiKey = apiKey;

    public Uri BaseUrl => _server.BaseUrl;

    /// <summary>The address to configure as an endpoint: <c>http://127.0.0.1:port/v1/</c>.</summary>
    public Uri V1 => new(BaseUrl, "/v1/");

    public string? ApiKey { get; }

    /// <summary>Answers requests when the script is empty. Default: a short friendly reply.</summary>
    public Func<FakeChatRequest, FakeChatReply> Responder { get; set; } = _ => FakeChatReply.Text("Hey! Good to hear from you. How was your day?");

    public IReadOnlyList<FakeChatRequest> Requests
    {
        get { lock (_lock) return _requests.ToList(); }
    }

    public static async Task<FakeOpenAiServer> StartAsync(string? apiKey = null)
    {
        var fake = new FakeOpenAiServer(apiKey);
        fake._server = await LoopbackServer.StartAsync(fake.HandleAsync);
        return fake;
    }

    /// <summary>The next requests are answered with these, in order.</summary>
    public void Enqueue(params FakeChatReply[] replies)
    {
        lock (_lock) foreach (var reply in replies) _script.Enqueue(reply);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Method != HttpMethods.Post || request.Path.Value?.EndsWith("/chat/completions", StringComparison.Ordinal) != true)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        var authorization = request.Headers.Authorization.ToString();
        if (ApiKey is not null && authorization != $"Bearer {ApiKey}")
        {
            await WriteErrorAsync(context.Response, 401, "invalid_api_key", null, null);
            return;
        }
        var body = (JsonNode.Parse(await new StreamReader(request.Body).ReadToEndAsync()) as JsonObject) ?? [];
        var messages = (body["messages"] as JsonArray ?? []).Select(m => new FakeChatMessage(
            m?["role"]?.GetValue<string>() ?? "",
            m?["content"] switch
            {
                JsonValue v => v.GetValue<string>(),
                JsonArray parts => string.Concat(parts.Select(p => p?["text"]?.GetValue<string>() ?? "")),
                _ => "",
            })).ToList();
        var chat = new FakeChatRequest(request.Path.Value!, authorization.Length > 0 ? authorization : null, body["model"]?.GetValue<string>() ?? "",
            body["stream"]?.GetValue<bool>() == true, messages, body);
        FakeChatReply? scripted = null;
        lock (_lock)
        {
            _requests.Add(chat);
            if (_script.Count > 0) scripted = _script.Dequeue();
        }
        var reply = scripted ?? Responder(chat);
        reply = reply with { Model = reply.Model ?? (chat.Model.Length > 0 ? chat.Model : "fake-model") };
        if (reply.Delay is { } delay)
        {
            try
            {
                await Task.Delay(delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return; // the client gave up (its timeout)
            }
        }
        if (reply.Status != 200)
        {
            await WriteErrorAsync(context.Response, reply.Status, reply.Status == 429 ? "rate_limit_exceeded" : "server_error", reply.RetryAfter, reply.RetryAfterMs);
            return;
        }
        var id = $"chatcmpl-fake-{Interlocked.Increment(ref _ids)}";
        var content = reply.Content ?? "";
        if (chat.Stream) await StreamAsync(context, reply, id, content);
        else
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(new JsonObject
            {
                ["id"] = id,
                ["object"] = "chat.completion",
                ["created"] = 1_700_000_000,
                ["model"] = reply.Model!,
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content },
                    ["finish_reason"] = "stop",
                }),
                ["usage"] = Usage(reply),
            }.ToJsonString());
        }
    }

    private static async Task StreamAsync(HttpContext context, FakeChatReply reply, string id, string content)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        var chunks = Chunks(content).ToList();
        for (var i = 0; i < chunks.Count; i++)
        {
            if (reply.FailMidStream && i == chunks.Count / 2 && i > 0)
            {
                // A stream cut short: a chunk that breaks off mid-JSON, and no [DONE]. (Aborting the connection instead
                // would let the client's socket drop the chunks already sent, so the test could not rely on them.)
                await response.WriteAsync("data: {\"id\":\"" + id + "\",\"choices\":[{\"delta\":{\"content\n\n");
                await response.Body.FlushAsync();
                return;
            }
            await WriteChunkAsync(response, new JsonObject
            {
                ["id"] = id, ["object"] = "chat.completion.chunk", ["created"] = 1_700_000_000, ["model"] = reply.Model!,
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["delta"] = i == 0 ? new JsonObject { ["role"] = "assistant", ["content"] = chunks[i] } : new JsonObject { ["content"] = chunks[i] },
                    ["finish_reason"] = null,
                }),
            });
        }
        await WriteChunkAsync(response, new JsonObject
        {
            ["id"] = id, ["object"] = "chat.completion.chunk", ["created"] = 1_700_000_000, ["model"] = reply.Model!,
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = new JsonObject(), ["finish_reason"] = "stop" }),
        });
        await WriteChunkAsync(response, new JsonObject
        {
            ["id"] = id, ["object"] = "chat.completion.chunk", ["created"] = 1_700_000_000, ["model"] = reply.Model!,
            ["choices"] = new JsonArray(), ["usage"] = Usage(reply),
        });
        await response.WriteAsync("data: [DONE]\n\n");
    }

    /// <summary>About four chunks, split on spaces so words stay whole.</summary>
    private static IEnumerable<string> Chunks(string content)
    {
        if (content.Length == 0) yield break;
        var size = Math.Max(1, content.Length / 4);
        var start = 0;
        while (start < content.Length)
        {
            var end = Math.Min(content.Length, start + size);
            var space = content.IndexOf(' ', end);
            end = space < 0 ? content.Length : space + 1;
            yield return content[start..end];
            start = end;
        }
    }

    private static async Task WriteChunkAsync(HttpResponse response, JsonObject chunk)
    {
        await response.WriteAsync($"data: {chunk.ToJsonString()}\n\n");
        await response.Body.FlushAsync();
    }

    private static JsonObject Usage(FakeChatReply reply) => new()
    {
        ["prompt_tokens"] = reply.PromptTokens,
        ["completion_tokens"] = reply.CompletionTokens,
        ["total_tokens"] = reply.PromptTokens + reply.CompletionTokens,
    };

    private static async Task WriteErrorAsync(HttpResponse response, int status, string code, TimeSpan? retryAfter, int? retryAfterMs)
    {
        response.StatusCode = status;
        if (retryAfter is { } after) response.Headers.RetryAfter = ((int)after.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        if (retryAfterMs is { } ms) response.Headers["retry-after-ms"] = ms.ToString(CultureInfo.InvariantCulture);
        response.ContentType = "application/json";
        await response.WriteAsync(new JsonObject
        {
            ["error"] = new JsonObject { ["message"] = $"Fake error {status}.", ["type"] = code, ["code"] = code },
        }.ToJsonString(), Encoding.UTF8);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
