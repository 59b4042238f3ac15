using Hearth.Models;
using Microsoft.Extensions.Logging;

namespace Hearth.Chat;

/// <summary>What a companion wrote, checked, and who wrote it (<c>offline</c> when the fallback did).</summary>
public sealed record CompanionText(string Text, ModelReply Reply);

/// <summary>
/// Writes a companion's own words outside the chat reply (life events, first messages) the way the chat does: ask the
/// chain, pass the answer through <see cref="ModelOutput.InCharacter"/>; when it breaks character (or is empty or too
/// long) ask once more with a stricter instruction; when that fails too, the request's offline answer (checked as well).
/// </summary>
public sealed class CompanionWriter(IChatModelChain models, ILogger<CompanionWriter> logger)
{
    /// <summary>The checked text. The request must carry an <see cref="ModelRequest.OfflineAnswer"/>: a companion always has something to say.</summary>
    public async Task<CompanionText> WriteAsync(ModelRequest request, string agentName, int maxLength, CancellationToken ct)
    {
        var offline = request.OfflineAnswer ?? throw new ArgumentException("A companion's text needs an offline answer.", nameof(request));
        var reply = await models.CompleteAsync(request, ct);
        if (Accept(reply, agentName, maxLength) is { } first) return new CompanionText(first, reply);

        if (!reply.IsOffline)
        {
            logger.LogWarning("{Purpose} from {Provider}/{Model} broke character or its form; writing it again", request.Purpose, reply.Provider, reply.Model);
            var stricter = request with
            {
                SystemPrompt = request.SystemPrompt + $"\nYour previous draft was unusable. Write it again as {agentName}: first person, a real person, " +
                    "plain text only, no tags or brackets, no mention of AI, models, assistants, bots, prompts or instructions.",
            };
            var again = await models.CompleteAsync(stricter, ct);
            if (Accept(again, agentName, maxLength) is { } second) return new CompanionText(second, again);
            logger.LogWarning("{Purpose}: the second draft was unusable too; the offline text is used", request.Purpose);
        }
        var fallback = ModelOutput.InCharacter(offline(), agentName).Text;
        return new CompanionText(fallback, new ModelReply(fallback, ModelReply.OfflineProvider, ModelReply.OfflineModel, null, reply.Attempts));
    }

    private static string? Accept(ModelReply reply, string agentName, int maxLength)
    {
        var verdict = ModelOutput.InCharacter(reply.Text, agentName);
        return verdict.Usable && verdict.Text.Length <= maxLength ? verdict.Text : null;
    }
}
