using System.Buffers.Text;
using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Hearth.Durable.Jobs;
using Npgsql;
using NpgsqlTypes;

namespace Hearth.Images.Jobs;

/// <summary>
/// Picture jobs in <c>images.jobs</c> (with their pictures in <c>images.job_images</c>) and the webhook deliveries seen in
/// <c>images.webhook_deliveries</c>. Status moves forward only: queued → submitted → running → succeeded | failed, and a
/// finished job never changes again, so at-least-once activities can call every method more than once.
/// </summary>
public sealed class PictureJobStore(NpgsqlDataSource db)
{
    /// <summary>The JSON of stored submissions.</summary>
    private static readonly JsonSerializerOptions Json = CreateJson();

    private const string SelectJob = """
        select j.id, j.owner_id::text, j.agent_id, j.kind, j.prompt, j.session_id, j.requested_by_message_id, j.status, j.reason,
               j.provider, j.is_placeholder, j.request_id, j.webhook_requested, j.submission::text, j.message_id,
               j.created_at, j.submitted_at, j.running_at, j.finished_at,
               coalesce((select jsonb_agg(jsonb_build_object('position', i.position, 'mediaId', i.media_id,
                                 'contentType', i.content_type, 'width', i.width, 'height', i.height) order by i.position)
                         from images.job_images i where i.job_id = j.id), '[]'::jsonb)::text
        from images.jobs j
        """;

    /// <summary>
    /// Inserts a queued job inside <paramref name="transaction"/> (an <c>NpgsqlTransaction</c>): it exists iff that transaction commits.
    /// </summary>
    public async Task InsertAsync(string id, PictureRequest request, DateTimeOffset now, DbTransaction transaction, CancellationToken ct)
    {
        var tx = transaction as NpgsqlTransaction
            ?? throw new ArgumentException($"The transaction must be an NpgsqlTransaction, not {transaction.GetType().Name}.", nameof(transaction));
        await using var command = new NpgsqlCommand("""
            insert into images.jobs (id, owner_id, agent_id, kind, prompt, session_id, requested_by_message_id, status, created_at)
            values ($1, $2::uuid, $3, $4, $5, $6, $7, 'queued', $8)
            """, tx.Connection, tx);
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = request.OwnerId });
        command.Parameters.Add(new() { Value = request.AgentId });
        command.Parameters.Add(new() { Value = request.Kind.ToString() });
        command.Parameters.Add(Text(request.Prompt));
        command.Parameters.Add(Text(request.SessionId));
        command.Parameters.Add(Text(request.RequestedByMessageId));
        command.Parameters.Add(new() { Value = now });
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The job, or null.</summary>
    public async Task<PictureJob?> FindAsync(string id, CancellationToken ct) => await FindOwnedAsync(id, null, ct);

    /// <summary>The job when it belongs to <paramref name="owner"/> (any owner when null), else null.</summary>
    public async Task<PictureJob?> FindOwnedAsync(string id, string? owner, CancellationToken ct)
    {
        await using var command = db.CreateCommand(SelectJob + " where j.id = $1 and ($2::uuid is null or j.owner_id = $2::uuid)");
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(Text(owner));
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    /// <summary>Jobs newest first, of <paramref name="owner"/> (everyone's when null), optionally of one agent.</summary>
    public async Task<Page<PictureJob>> ListAsync(string? owner, string? agentId, int limit, string? cursor, CancellationToken ct)
    {
        var (afterTime, afterId) = ParseCursor(cursor);
        await using var command = db.CreateCommand(SelectJob + """
             where ($1::uuid is null or j.owner_id = $1::uuid)
               and ($2::text is null or j.agent_id = $2)
               and ($3::timestamptz is null or (j.created_at, j.id) < ($3, $4))
             order by j.created_at desc, j.id desc
             limit $5
            """);
        command.Parameters.Add(Text(owner));
        command.Parameters.Add(Text(agentId));
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = afterTime is { } t ? t : DBNull.Value });
        command.Parameters.Add(Text(afterId));
        command.Parameters.Add(new() { Value = limit + 1 });
        var items = new List<PictureJob>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct)) items.Add(Read(reader));
        }
        string? next = null;
        if (items.Count > limit)
        {
            var last = items[limit - 1];
            next = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(
                last.CreatedAt.UtcTicks.ToString(CultureInfo.InvariantCulture) + "|" + last.Id));
            items.RemoveRange(limit, items.Count - limit);
        }
        return new Page<PictureJob>(items, next);
    }

    /// <summary>Jobs of <paramref name="kind"/> for an agent created since <paramref name="since"/>, failed ones excluded.</summary>
    public async Task<int> CountSinceAsync(string ownerId, string agentId, PictureKind kind, DateTimeOffset since, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            select count(*)::int from images.jobs
            where owner_id = $1::uuid and agent_id = $2 and kind = $3 and created_at >= $4 and status <> 'failed'
            """);
        command.Parameters.Add(new() { Value = ownerId });
        command.Parameters.Add(new() { Value = agentId });
        command.Parameters.Add(new() { Value = kind.ToString() });
        command.Parameters.Add(new() { Value = since });
        return (int)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// Records the provider's answer and moves a queued job to submitted. False when the job already has a submission
    /// (an earlier run of the same activity) or has finished.
    /// </summary>
    public async Task<bool> MarkSubmittedAsync(string id, ImageSubmission submission, bool isPlaceholder, bool webhookRequested, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            update images.jobs
            set status = 'submitted', provider = $2, is_placeholder = $3, request_id = $4, webhook_requested = $5,
                submission = $6::jsonb, submitted_at = $7, prompt = $8
            where id = $1 and submission is null and status = 'queued'
            """);
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = submission.Provider });
        command.Parameters.Add(new() { Value = isPlaceholder });
        command.Parameters.Add(new() { Value = submission.RequestId });
        command.Parameters.Add(new() { Value = webhookRequested });
        command.Parameters.Add(new() { Value = JsonSerializer.Serialize(submission, Json) });
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = submission.Request.Prompt });   // the stored prompt is the one sent
        return await command.ExecuteNonQueryAsync(ct) > 0;
    }

    /// <summary>Moves a queued or submitted job to running (no-op otherwise).</summary>
    public async Task MarkRunningAsync(string id, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            update images.jobs set status = 'running', running_at = $2
            where id = $1 and status in ('queued', 'submitted')
            """);
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = now });
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Records the job's pictures, all or none. When pictures are already recorded (an earlier run), keeps those and
    /// returns false; the caller's copies are then unreferenced.
    /// </summary>
    public async Task<bool> AddImagesAsync(string id, IReadOnlyList<PictureJobImage> images, CancellationToken ct)
    {
        if (images.Count == 0) throw new ArgumentException("A job produces at least one picture.", nameof(images));
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // Lock the job so two runs of the copy activity cannot interleave their pictures.
        await using (var lockJob = new NpgsqlCommand("select 1 from images.jobs where id = $1 for update", connection, tx))
        {
            lockJob.Parameters.Add(new() { Value = id });
            if (await lockJob.ExecuteScalarAsync(ct) is null) throw new InvalidOperationException($"Picture job {id} does not exist.");
        }
        await using (var exists = new NpgsqlCommand("select exists (select 1 from images.job_images where job_id = $1)", connection, tx))
        {
            exists.Parameters.Add(new() { Value = id });
            if ((bool)(await exists.ExecuteScalarAsync(ct))!) return false;
        }
        await using var batch = new NpgsqlBatch(connection, tx);
        foreach (var image in images)
        {
            var insert = new NpgsqlBatchCommand("""
                insert into images.job_images (job_id, position, media_id, content_type, width, height)
                values ($1, $2, $3, $4, $5, $6)
                """);
            insert.Parameters.Add(new() { Value = id });
            insert.Parameters.Add(new() { Value = image.Position });
            insert.Parameters.Add(new() { Value = image.MediaId });
            insert.Parameters.Add(new() { Value = image.ContentType });
            insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = image.Width is { } w ? w : DBNull.Value });
            insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = image.Height is { } h ? h : DBNull.Value });
            batch.BatchCommands.Add(insert);
        }
        await batch.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>Marks an unfinished job succeeded, with the chat message that shows it (null for a base portrait).</summary>
    public async Task MarkSucceededAsync(string id, string? messageId, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            update images.jobs
            set status = 'succeeded', message_id = $2, reason = null, finished_at = $3, running_at = coalesce(running_at, $3)
            where id = $1 and status not in ('succeeded', 'failed')
            """);
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(Text(messageId));
        command.Parameters.Add(new() { Value = now });
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Marks an unfinished job failed with <paramref name="reason"/>; false when it had already finished.</summary>
    public async Task<bool> MarkFailedAsync(string id, string reason, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            update images.jobs set status = 'failed', reason = $2, finished_at = $3
            where id = $1 and status not in ('succeeded', 'failed')
            """);
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = reason.Length <= 2000 ? reason : reason[..2000] + "…" });
        command.Parameters.Add(new() { Value = now });
        return await command.ExecuteNonQueryAsync(ct) > 0;
    }

    /// <summary>
    /// Records a verified webhook delivery of the provider request <paramref name="requestId"/>. False when that request's
    /// delivery was already recorded: the delivery is a duplicate and must change nothing.
    /// </summary>
    public async Task<bool> TryRecordDeliveryAsync(string requestId, string jobId, string outcome, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            insert into images.webhook_deliveries (request_id, job_id, outcome, received_at) values ($1, $2, $3, $4)
            on conflict (request_id) do nothing
            """);
        command.Parameters.Add(new() { Value = requestId });
        command.Parameters.Add(new() { Value = jobId });
        command.Parameters.Add(new() { Value = outcome });
        command.Parameters.Add(new() { Value = now });
        return await command.ExecuteNonQueryAsync(ct) > 0;
    }

    /// <summary>Forgets a recorded delivery whose effect could not be applied, so the provider's retry is not taken for a duplicate.</summary>
    public async Task ForgetDeliveryAsync(string requestId, CancellationToken ct)
    {
        await using var command = db.CreateCommand("delete from images.webhook_deliveries where request_id = $1");
        command.Parameters.Add(new() { Value = requestId });
        await command.ExecuteNonQueryAsync(ct);
    }

    private static PictureJob Read(NpgsqlDataReader reader)
    {
        var submissionJson = reader.IsDBNull(13) ? null : reader.GetString(13);
        return new PictureJob(
            reader.GetString(0),
            reader.GetString(1),
            reader.GetString(2),
            Enum.Parse<PictureKind>(reader.GetString(3)),
            NullableString(reader, 4),
            NullableString(reader, 5),
            NullableString(reader, 6),
            PictureJob.ParseStatus(reader.GetString(7)),
            NullableString(reader, 8),
            NullableString(reader, 9),
            reader.GetBoolean(10),
            NullableString(reader, 11),
            reader.GetBoolean(12),
            submissionJson is null ? null : JsonSerializer.Deserialize<ImageSubmission>(submissionJson, Json),
            NullableString(reader, 14),
            reader.GetFieldValue<DateTimeOffset>(15),
            NullableTime(reader, 16),
            NullableTime(reader, 17),
            NullableTime(reader, 18),
            JsonSerializer.Deserialize<List<PictureJobImage>>(reader.GetString(19), Json) ?? []);
    }

    private static (DateTimeOffset?, string?) ParseCursor(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor)) return (null, null);
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            var bar = text.IndexOf('|');
            if (bar <= 0 || bar == text.Length - 1) throw new InvalidCursorException();
            var ticks = long.Parse(text.AsSpan(0, bar), NumberStyles.None, CultureInfo.InvariantCulture);
            return (new DateTimeOffset(ticks, TimeSpan.Zero), text[(bar + 1)..]);
        }
        catch (Exception e) when (e is FormatException or ArgumentOutOfRangeException or OverflowException)
        {
            throw new InvalidCursorException();
        }
    }

    private static NpgsqlParameter Text(string? value) =>
        new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)value ?? DBNull.Value };

    private static string? NullableString(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static DateTimeOffset? NullableTime(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
