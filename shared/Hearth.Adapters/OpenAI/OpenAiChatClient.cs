using System.ClientModel;
using System.Globalization;
using System.Net.Http;
using System.Runtime.CompilerServices;
using Hearth.Models;
using Microsoft.Extensions.AI;
using OpenAI.Chat;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using OpenAiChatMessage = OpenAI.Chat.ChatMessage;

namespace Hearth.Adapters.OpenAI;

/// <summary>
/// <see cref="IChatClient"/> over the OpenAI SDK's <see cref="ChatClient"/> (OpenAI, Azure OpenAI's v1 endpoint, or any
/// OpenAI-compatible server). The SDK's own retries are off (see <see cref="OpenAiChatProviders"/>): errors surface as
/// <see cref="ModelProviderException"/> with the status and Retry-After, and the model chain decides what to do.
/// </summary>
public sealed class OpenAiChatClient(ChatClient client, string providerName, Uri? endpoint, string model) : IChatClient
{
    private readonly ChatClientMetadata _metadata = new(providerName, endpoint, model);

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<AiChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ClientResult<ChatCompletion> result;
        try
        {
            result = await client.CompleteChatAsync(ToOpenAi(messages), ToOpenAi(options), cancellationToken);
        }
        catch (ClientResultException e)
        {
            throw Map(e);
        }
        var completion = result.Value;
        var text = string.Concat(completion.Content.Where(p => p.Kind == ChatMessageContentPartKind.Text).Select(p => p.Text));
        return new ChatResponse(new AiChatMessage(ChatRole.Assistant, text))
        {
            ResponseId = completion.Id,
            ModelId = completion.Model,
            CreatedAt = completion.CreatedAt,
            Usage = ToUsage(completion.Usage),
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<AiChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var stream = client.CompleteChatStreamingAsync(ToOpenAi(messages), ToOpenAi(options), cancellationToken);
        await using var updates = stream.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            StreamingChatCompletionUpdate update;
            try
            {
                if (!await updates.MoveNextAsync()) yield break;
                update = updates.Current;
            }
            catch (ClientResultException e)
            {
                throw Map(e);
            }
            var contents = new List<AIContent>();
            var text = string.Concat(update.ContentUpdate.Where(p => p.Kind == ChatMessageContentPartKind.Text).Select(p => p.Text));
            if (text.Length > 0) contents.Add(new TextContent(text));
            if (ToUsage(update.Usage) is { } usage) contents.Add(new UsageContent(usage));
            yield return new ChatResponseUpdate(ChatRole.Assistant, contents) { ModelId = update.Model, ResponseId = update.CompletionId };
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? _metadata
        : serviceType == typeof(ChatClient) ? client
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
    }

    private static List<OpenAiChatMessage> ToOpenAi(IEnumerable<AiChatMessage> messages)
    {
        var list = new List<OpenAiChatMessage>();
        foreach (var message in messages)
        {
            var text = message.Text;
            if (message.Role == ChatRole.System) list.Add(OpenAiChatMessage.CreateSystemMessage(text));
            else if (message.Role == ChatRole.Assistant) list.Add(OpenAiChatMessage.CreateAssistantMessage(text));
            else list.Add(OpenAiChatMessage.CreateUserMessage(text));
        }
        return list;
    }

    private static ChatCompletionOptions ToOpenAi(ChatOptions? options)
    {
        var result = new ChatCompletionOptions();
        if (options is null) return result;
        if (options.Temperature is { } temperature) result.Temperature = temperature;
        if (options.MaxOutputTokens is { } max) result.MaxOutputTokenCount = max;
        if (options.TopP is { } topP) result.TopP = topP;
        return result;
    }

    private static UsageDetails? ToUsage(ChatTokenUsage? usage) => usage is null ? null : new UsageDetails
    {
        InputTokenCount = usage.InputTokenCount,
        OutputTokenCount = usage.OutputTokenCount,
        TotalTokenCount = usage.TotalTokenCount,
    };

    /// <summary>The status (0 = no response: a network failure) and Retry-After, never the key.</summary>
    internal static ModelProviderException Map(ClientResultException e)
    {
        var response = e.GetRawResponse();
        int? status = e.Status == 0 ? null : e.Status;
        TimeSpan? retryAfter = null;
        if (response is not null)
        {
            if (response.Headers.TryGetValue("retry-after-ms", out var ms)
                && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var millis) && millis >= 0)
                retryAfter = TimeSpan.FromMilliseconds(millis);
            else if (response.Headers.TryGetValue("Retry-After", out var after) && after is not null)
            {
                if (int.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) retryAfter = TimeSpan.FromSeconds(seconds);
                else if (DateTimeOffset.TryParse(after, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
                    retryAfter = date - DateTimeOffset.UtcNow is { } d && d > TimeSpan.Zero ? d : TimeSpan.Zero;
            }
        }
        var message = status is { } s ? $"The model endpoint answered {s}." : "The model endpoint could not be reached.";
        return new ModelProviderException(message, status, retryAfter, e.InnerException is HttpRequestException or IOException ? e.InnerException : null);
    }
}
