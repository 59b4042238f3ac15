using System.Data.Common;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Hearth.Durable;
using Hearth.Durable.Jobs;
using Hearth.Outbound;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hearth.Life;

/// <summary>Signatures of Hearth's outgoing webhooks: HMAC-SHA256 of "<c>{timestamp}.{body}</c>" with the user's secret, hex.</summary>
public static class WebhookSignature
{
    public const string SignatureHeader = "X-Hearth-Signature";
    public const string TimestampHeader = "X-Hearth-Timestamp";

    /// <summary>The header value: <c>sha256=&lt;hex&gt;</c>.</summary>
    public static string Compute(string secret, long timestamp, string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp.ToString(CultureInfo.InvariantCulture)}.{body}")));

    /// <summary>Constant-time check of a received signature (what a receiver does).</summary>
    public static bool Verify(string secret, long timestamp, string body, string? signature) =>
        signature is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Compute(secret, timestamp, body)), Encoding.ASCII.GetBytes(signature));

    /// <summary>A new random secret (32 bytes, base64url).</summary>
    public static string NewSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>The job payload of one webhook push.</summary>
public sealed record WebhookPush(string OwnerId, string NotificationId);

/// <summary>What a webhook receives (camelCase JSON).</summary>
public sealed record WebhookPayload(string Type, string NotificationId, string AgentId, string AgentName, string MessageId, string Text, DateTimeOffset CreatedAt);

/// <summary>The push channel: when the user has a webhook, a delivery enqueues its push in the delivery's transaction.</summary>
internal sealed class WebhookNotificationChannel(IJobClient jobs) : INotificationChannel
{
    public const string Queue = "life.webhook";

    public async Task OnDeliveredAsync(NotificationDelivered delivered, DbTransaction transaction, CancellationToken ct)
    {
        var tx = (NpgsqlTransaction)transaction;
        await using (var has = new NpgsqlCommand("select 1 from life.webhooks where owner_id = @owner", tx.Connection, tx))
        {
            has.Parameters.AddWithValue("owner", Guid.Parse(delivered.OwnerId));
            if (await has.ExecuteScalarAsync(ct) is null) return;
        }
        await jobs.EnqueueAsync(Queue, new WebhookPush(delivered.OwnerId, delivered.Notification.Id),
            new EnqueueOptions { UniqueKey = $"webhook:{delivered.Notification.Id}", Owner = delivered.OwnerId }, tx, ct);
    }
}

/// <summary>
/// POSTs a notification to the user's webhook, signed, through the guarded <see cref="OutboundHttp"/> client (the URL is
/// checked again before sending, the address after DNS; redirects are not followed). A non-2xx answer fails the job so
/// that it is retried; a refused address or a redirect fails it for good (retrying would only map the network). Each
/// notification is pushed once even when its job runs twice (see <see cref="LifeStore.ClaimPushAsync"/>); a process that
/// dies while sending pushes again on the retry, and <c>X-Hearth-Delivery</c> lets the receiver drop that rare repeat.
/// </summary>
public sealed class WebhookSender
{
    private readonly LifeStore _store;
    private readonly IHttpClientFactory _http;
    private readonly OutboundOptions _outbound;
    private readonly TimeProvider _time;

    public WebhookSender(LifeStore store, IHttpClientFactory http, IOptions<OutboundOptions> outbound, TimeProvider time)
    {
        _store = store;
        _http = http;
        _outbound = outbound.Value;
        _time = time;
    }

    public async Task SendAsync(WebhookPush push, CancellationToken ct)
    {
        if (!Guid.TryParse(push.OwnerId, out var owner) || !Guid.TryParse(push.NotificationId, out var id))
            throw new PermanentJobFailureException("A webhook push names an owner and a notification by UUID.");
        if (await _store.FindNotificationAsync(owner, id, ct) is not { } notification) return;  // deleted with its agent
        if (await _store.WebhookSecretAsync(owner, ct) is not { } hook) return;                   // the user removed the webhook
        // Checked again at send time: rules may have tightened since the URL was saved.
        if (OutboundUrls.Check(hook.Url, _outbound) is { } refused)
            throw new PermanentJobFailureException($"The webhook at {hook.Url.Host} is refused by the outbound rule '{refused.Rule}'.");
        await using var claim = await _store.ClaimPushAsync(id, _time.GetUtcNow(), ct);
        if (claim is null) return;                                                                 // pushed by an earlier run
        var body = JsonSerializer.Serialize(new WebhookPayload("initiation", notification.Id, notification.AgentId, notification.AgentName,
            notification.MessageId, notification.Text, notification.CreatedAt), DurableJson.Options);
        var timestamp = _time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, hook.Url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add(WebhookSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Compute(hook.Secret, timestamp, body));
        request.Headers.Add("X-Hearth-Delivery", notification.Id);
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("Hearth", "1.0"));
        HttpResponseMessage response;
        try
        {
            // Headers only: the answer's body is never read.
            response = await _http.CreateClient(OutboundHttp.ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (HttpRequestException e) when (OutboundRefusedException.Find(e) is { } rule)
        {
            throw new PermanentJobFailureException($"The webhook at {hook.Url.Host} is refused by the outbound rule '{rule.Rule}'.");
        }
        using (response)
        {
            // Never the URL's query or the secret in errors: the host is enough to recognise it.
            if ((int)response.StatusCode is >= 300 and < 400)
                throw new PermanentJobFailureException($"The webhook at {hook.Url.Host} answered {(int)response.StatusCode}, a redirect; Hearth does not follow redirects.");
            if (!response.IsSuccessStatusCode) throw new HttpRequestException($"The webhook at {hook.Url.Host} answered {(int)response.StatusCode}.");
        }
        await claim.CommitAsync(ct);
    }
}
