using System.Data.Common;

namespace Hearth.Images;

/// <summary>Which picture to make.</summary>
public enum PictureKind
{
    /// <summary>The agent's base portrait, from its appearance prompt.</summary>
    BasePortrait,
    /// <summary>A picture that keeps the base portrait's face (asked for in chat, or by the API).</summary>
    Variation,
}

/// <summary>A picture to make for an agent. <paramref name="SessionId"/> set: the finished picture is posted into that chat.</summary>
public sealed record PictureRequest(
    string OwnerId,
    string AgentId,
    PictureKind Kind,
    string? Prompt,
    string? SessionId,
    string? RequestedByMessageId);

/// <summary>Starts picture jobs. Implemented by the pictures feature; called by the chat turn and by agent creation.</summary>
public interface IPictureJobs
{
    /// <summary>
    /// Creates the picture job and starts its orchestration inside <paramref name="transaction"/> when given one (the job
    /// exists iff that transaction commits). Returns the job id (what <c>GET /api/images/{jobId}</c> answers for).
    /// </summary>
    Task<string> StartAsync(PictureRequest request, DbTransaction? transaction, CancellationToken ct);

    /// <summary>Picture jobs of an agent created since <paramref name="since"/> (for the daily cap), failed ones excluded.</summary>
    Task<int> CountSinceAsync(string ownerId, string agentId, DateTimeOffset since, CancellationToken ct);
}
