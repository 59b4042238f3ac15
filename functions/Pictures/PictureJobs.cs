using Hearth.Durable;
using System.Data.Common;
using Hearth.Durable.Orchestrations;
using Hearth.Images;
using Hearth.Images.Jobs;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hearth.Functions.Pictures;

/// <summary>
/// <see cref="IPictureJobs"/>: a job row and its orchestration (same id), written in one transaction — the caller's
/// (the chat turn, agent creation) when given, so the job exists iff that transaction commits. Nothing here reads other
/// features' data: inside the caller's transaction their rows may not be visible yet; the activities look them up later.
/// </summary>
public sealed class PictureJobs(
    NpgsqlDataSource db,
    PictureJobStore store,
    IOrchestrationClient orchestrations,
    IOptions<PicturesOptions> options,
    TimeProvider time,
    ILogger<PictureJobs> logger) : IPictureJobs
{
    /// <summary>Longest id (owner, agent, session, message) accepted.</summary>
    public const int MaxIdLength = 200;

    public async Task<string> StartAsync(PictureRequest request, DbTransaction? transaction, CancellationToken ct)
    {
        Validate(request);
        var id = Guid.CreateVersion7().ToString("N");
        var input = new PictureJobInput(id, request.OwnerId, request.Kind, PicturePacing.From(options.Value));
        if (transaction is null)
        {
            await using var own = await db.BeginDurableAsync(ct);
            await WriteAsync(own.Transaction);
            await own.CommitAsync(ct);
        }
        else
        {
            await WriteAsync(transaction as NpgsqlTransaction
                ?? throw new ArgumentException($"The transaction must be an NpgsqlTransaction, not {transaction.GetType().Name}.", nameof(transaction)));
        }
        logger.LogInformation("Picture job {JobId} created ({Kind}) for agent {AgentId}", id, request.Kind, request.AgentId);
        return id;

        async Task WriteAsync(NpgsqlTransaction tx)
        {
            await store.InsertAsync(id, request, time.GetUtcNow(), tx, ct);
            await orchestrations.StartAsync(PictureOrchestration.Name, input, new StartOptions { InstanceId = id, Owner = request.OwnerId }, tx, ct);
        }
    }

    /// <summary>Counts variations only: regenerating a portrait is not "sending a picture" and does not use up the chat's cap.</summary>
    public Task<int> CountSinceAsync(string ownerId, string agentId, DateTimeOffset since, CancellationToken ct) =>
        store.CountSinceAsync(ownerId, agentId, PictureKind.Variation, since, ct);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first field that is missing or out of range.</summary>
    public static void Validate(PictureRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Require(request.OwnerId, nameof(request.OwnerId));
        Require(request.AgentId, nameof(request.AgentId));
        Optional(request.SessionId, nameof(request.SessionId));
        Optional(request.RequestedByMessageId, nameof(request.RequestedByMessageId));
        if (!Enum.IsDefined(request.Kind)) throw new ArgumentException($"Unknown picture kind {(int)request.Kind}.", nameof(request));
        if (request.Prompt is { } prompt)
        {
            if (string.IsNullOrWhiteSpace(prompt)) throw new ArgumentException("The prompt is blank; pass null for the default.", nameof(request));
            if (prompt.Length > ImageRequest.MaxPromptLength)
                throw new ArgumentException($"The prompt is {prompt.Length} characters; at most {ImageRequest.MaxPromptLength} are accepted.", nameof(request));
        }

        static void Require(string? value, string name)
        {
            if (string.IsNullOrWhiteSpace(value)) throw new ArgumentException($"A picture request needs {name}.", nameof(request));
            Optional(value, name);
        }

        static void Optional(string? value, string name)
        {
            if (value is { Length: > MaxIdLength }) throw new ArgumentException($"{name} is longer than {MaxIdLength} characters.", nameof(request));
        }
    }
}
