using System.ClientModel;
using System.Globalization;
using System.Net.Http;
using System.Runtime.CompilerServices;
using Hearth.Models;
using Microsoft.Extensions.AI;

namespace Hearth.Adapters.OpenAI;

/// <summary>
/// Microsoft.Extensions.AI.OpenAI's <see cref="IChatClient"/> with the SDK's errors turned into
/// <see cref="ModelProviderException"/> (status and Retry-After, never the key), which the model chain understands.
/// The SDK's own retries are off (see <see cref="OpenAiChatProviders"/>): the chain decides what to do.
/// </summary>
internal sealed class OpenAiErrorsChatClient(IChatClient inner) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken);
        }
        catch (ClientResultException e)
        {
            throw OpenAiErrors.Map(e);
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var updates = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try
            {
                if (!await updates.MoveNextAsync()) yield break;
            }
            catch (ClientResultException e)
            {
                throw OpenAiErrors.Map(e);
            }
            yield return updates.Current;
        }
    }
}

internal static class OpenAiErrors
{
    /// <summary>The status (0 = no response: a network failure) and Retry-After, never the key.</summary>
    public static ModelProviderException Map(ClientResultException e)
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
