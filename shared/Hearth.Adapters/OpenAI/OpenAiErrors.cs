using System.ClientModel;
using System.Net.Http;
using System.Runtime.CompilerServices;
using Hearth.Adapters.Http;
using Hearth.Models;
using Microsoft.Extensions.AI;

namespace Hearth.Adapters.OpenAI;

/// <summary>
/// Microsoft.Extensions.AI.OpenAI's <see cref="IChatClient"/> with the failures of the SDK and of the client's resilience
/// pipeline turned into <see cref="ModelProviderException"/> (status, timeout or open circuit, never the key), which the
/// model chain understands. Retries happen below, in the HTTP client (see <see cref="OpenAiChatProviders"/>).
/// </summary>
internal sealed class OpenAiErrorsChatClient(IChatClient inner) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken);
        }
        catch (Exception e) when (OpenAiErrors.Map(e) is { } mapped)
        {
            throw mapped;
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
            catch (Exception e) when (OpenAiErrors.Map(e) is { } mapped)
            {
                throw mapped;
            }
            yield return updates.Current;
        }
    }
}

internal static class OpenAiErrors
{
    /// <summary>
    /// The SDK's error (status, or 0 when there was no answer), the pipeline's open circuit or per-try timeout; null for
    /// anything else (the caller's cancellation stays what it is).
    /// </summary>
    public static ModelProviderException? Map(Exception e)
    {
        if (ProviderResilience.IsCircuitOpen(e) || e.InnerException is { } i && ProviderResilience.IsCircuitOpen(i))
            return new ModelProviderException("The model endpoint failed every call lately; it is not asked until its break ends.", null, ModelFailure.CircuitOpen, e);
        if (ProviderResilience.IsTimeout(e) || e.InnerException is { } t && ProviderResilience.IsTimeout(t))
            return new ModelProviderException("The model endpoint did not answer in time.", null, ModelFailure.Timeout, e);
        if (e is not ClientResultException result) return null;
        int? status = result.Status == 0 ? null : result.Status;
        var message = status is { } s ? $"The model endpoint answered {s}." : "The model endpoint could not be reached.";
        return new ModelProviderException(message, status, status is null ? ModelFailure.Network : ModelFailure.Answered,
            result.InnerException is HttpRequestException or IOException ? result.InnerException : null);
    }
}
