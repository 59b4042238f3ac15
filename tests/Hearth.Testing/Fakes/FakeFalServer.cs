using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace Hearth.Testing.Fakes;

/// <summary>
/// A fake of Fal's queue API on a real loopback Kestrel server, for the Fal client, the webhook verifier, the image
/// orchestration and chaos tests. It implements submit (<c>POST /{model}?fal_webhook=…</c>, answering
/// <c>request_id</c>/<c>status_url</c>/<c>response_url</c>/<c>cancel_url</c> on itself), status, result (images served
/// from <c>/files/…</c> on itself), cancel, and a JWKS with a test Ed25519 key; it delivers webhooks signed as Fal signs
/// them. Behaviour is scripted with <see cref="Behavior"/> and <see cref="FailNextSubmits"/>; every request received is
/// recorded in <see cref="Requests"/>. Point the client at it with <c>Fal:QueueBaseUrl = BaseUrl</c>,
/// <c>Fal:JwksUrl = JwksUrl</c>, <c>Fal:Key = ApiKey</c>.
/// </summary>
public sealed class FakeFalServer : IAsyncDisposable
{
    /// <summary>The value of <c>X-Fal-Webhook-User-Id</c> on deliveries.</summary>
    public const string UserId = "fake-fal-user";

    private readonly object _lock = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly Dictionary<string, FakeFalJob> _jobs = new(StringComparer.Ordinal);
    private readonly Queue<(int Status, TimeSpan? RetryAfter)> _submitFailures = new();
    private readonly List<Task> _deliveries = [];
    private readonly CancellationTokenSource _stopping = new();
    private HttpClient _webhookClient = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly List<byte[]> _retiredPublicKeys = [];
    private LoopbackServer _server = null!;
    private byte[] _secretKey = NewSecretKey();
    private readonly byte[] _wrongSecretKey = NewSecretKey();
    private int _jwksFetches;

    private FakeFalServer(string apiKey) => ApiKey = apiKey;

    /// <summary>Base URL, e.g. <c>http://127.0.0.1:40123</c>.</summary>
    public Uri BaseUrl => _server.BaseUrl;

    /// <summary>The JWKS address.</summary>
    public Uri JwksUrl => new(BaseUrl, "/.well-known/jwks.json");

    /// <summary>The key the fake expects in <c>Authorization: Key …</c>.</summary>
    public string ApiKey { get; }

    /// <summary>The current signing key's public half (as published in the JWKS).</summary>
    public byte[] PublicKey => PublicOf(_secretKey);

    /// <summary>The script; change it between submissions.</summary>
    public FakeFalBehavior Behavior { get; } = new();

    /// <summary>The clock for webhook timestamps.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>Every request received, in order.</summary>
    public IReadOnlyList<RecordedRequest> Requests
    {
        get { lock (_lock) return _requests.ToList(); }
    }

    /// <summary>How many times the JWKS was fetched.</summary>
    public int JwksFetches => Volatile.Read(ref _jwksFetches);

    /// <summary>Every submitted job.</summary>
    public IReadOnlyList<FakeFalJob> Jobs
    {
        get { lock (_lock) return _jobs.Values.ToList(); }
    }

    public static async Task<FakeFalServer> StartAsync(string apiKey = "fake-fal-key-0123456789")
    {
        var fake = new FakeFalServer(apiKey);
        fake._server = await LoopbackServer.StartAsync(fake.HandleAsync);
        return fake;
    }

    /// <summary>The job with <paramref name="requestId"/>.</summary>
    public FakeFalJob Job(string requestId)
    {
        lock (_lock) return _jobs.TryGetValue(requestId, out var job) ? job : throw new KeyNotFoundException($"No fake Fal job {requestId}.");
    }

    /// <summary>The next <paramref name="count"/> submissions answer <paramref name="status"/> (with a Retry-After when given).</summary>
    public void FailNextSubmits(int count, int status = 500, TimeSpan? retryAfter = null)
    {
        lock (_lock)
        {
            for (var i = 0; i < count; i++) _submitFailures.Enqueue((status, retryAfter));
        }
    }

    /// <summary>Starts publishing a new signing key; the old one stays in the JWKS only when <paramref name="keepOld"/>.</summary>
    public void RotateKey(bool keepOld = false)
    {
        lock (_lock)
        {
            if (keepOld) _retiredPublicKeys.Add(PublicOf(_secretKey));
            _secretKey = NewSecretKey();
        }
    }

    /// <summary>
    /// Sends webhook deliveries through <paramref name="handler"/> instead of the network, e.g. into an in-process test
    /// server (<c>TestServer.CreateHandler()</c>), which listens on no socket. Deliveries are signed and sent as before.
    /// </summary>
    public void DeliverWebhooksThrough(HttpMessageHandler handler)
    {
        var previous = _webhookClient;
        _webhookClient = new HttpClient(handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(30) };
        previous.Dispose();
    }

    /// <summary>Completes a held job (see <see cref="FakeFalBehavior.HoldCompletion"/>) and delivers its webhook.</summary>
    public Task CompleteAsync(string requestId)
    {
        var job = Job(requestId);
        return Complete(job) ?? Task.CompletedTask;
    }

    /// <summary>Completes when <paramref name="count"/> webhook deliveries of the job have been attempted.</summary>
    public Task WaitForDeliveriesAsync(string requestId, int count, CancellationToken ct = default) => Job(requestId).WaitForDeliveriesAsync(count, ct);

    /// <summary>
    /// Signs <paramref name="body"/> as Fal would for <paramref name="requestId"/>, spoiled as <paramref name="signing"/> says.
    /// Returns the headers to send and the body to send (which differs from <paramref name="body"/> for a tampered one).
    /// </summary>
    public SignedWebhook Sign(string requestId, byte[] body, FakeWebhookSigning signing = FakeWebhookSigning.Valid, TimeSpan? skew = null)
    {
        var offset = skew ?? Behavior.TimestampSkew;
        var now = Clock.GetUtcNow();
        var at = signing switch
        {
            FakeWebhookSigning.StaleTimestamp => now - offset,
            FakeWebhookSigning.FutureTimestamp => now + offset,
            _ => now,
        };
        var timestamp = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var message = Encoding.UTF8.GetBytes($"{requestId}\n{UserId}\n{timestamp}\n{Convert.ToHexStringLower(SHA256.HashData(body))}");
        byte[] secret;
        lock (_lock) secret = signing == FakeWebhookSigning.WrongKey ? _wrongSecretKey : _secretKey;
        var signature = new byte[64];
        Ed25519.Sign(secret, 0, message, 0, message.Length, signature, 0);

        var sent = body;
        if (signing == FakeWebhookSigning.TamperedBody)
        {
            sent = (byte[])body.Clone();
            var index = Array.LastIndexOf(sent, (byte)'}');
            sent[index > 0 ? index - 1 : 0] ^= 0x20;
        }
        var headers = signing == FakeWebhookSigning.Unsigned
            ? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            : new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                ["X-Fal-Webhook-Request-Id"] = requestId,
                ["X-Fal-Webhook-User-Id"] = UserId,
                ["X-Fal-Webhook-Timestamp"] = timestamp,
                ["X-Fal-Webhook-Signature"] = Convert.ToHexStringLower(signature),
            };
        return new SignedWebhook(headers, sent);
    }

    /// <summary>The webhook body Fal sends for a successful request.</summary>
    public static byte[] SuccessWebhookBody(string requestId, IEnumerable<Uri> imageUrls) =>
        Json(new JsonObject
        {
            ["request_id"] = requestId,
            ["gateway_request_id"] = requestId,
            ["status"] = "OK",
            ["payload"] = ResultPayload(imageUrls),
            ["error"] = null,
            ["payload_error"] = null,
        });

    /// <summary>The webhook body Fal sends when a request failed.</summary>
    public static byte[] ErrorWebhookBody(string requestId, string error, string detail) =>
        Json(new JsonObject
        {
            ["request_id"] = requestId,
            ["gateway_request_id"] = requestId,
            ["status"] = "ERROR",
            ["error"] = error,
            ["payload"] = new JsonObject { ["detail"] = Detail(detail) },
        });

    /// <summary>The webhook body Fal sends when it could not serialise the result.</summary>
    public static byte[] PayloadErrorWebhookBody(string requestId, string payloadError) =>
        Json(new JsonObject
        {
            ["request_id"] = requestId,
            ["gateway_request_id"] = requestId,
            ["status"] = "OK",
            ["payload"] = null,
            ["payload_error"] = payloadError,
        });

    private async Task HandleAsync(HttpContext context)
    {
        var request = await RecordedRequest.ReadAsync(context.Request, context.RequestAborted);
        lock (_lock) _requests.Add(request);
        var segments = request.Path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);

        if (request.Method == "GET" && request.Path == "/.well-known/jwks.json")
        {
            Interlocked.Increment(ref _jwksFetches);
            if (await MisbehaveAsync(context, FakeFalEndpoint.Jwks)) return;
            await WriteJsonAsync(context, 200, Jwks());
            return;
        }
        if (request.Method == "GET" && segments is ["files", var fileJob, var fileName])
        {
            if (await MisbehaveAsync(context, FakeFalEndpoint.Files)) return;
            await ServeFileAsync(context, fileJob, fileName);
            return;
        }

        if (context.Request.Headers.Authorization.ToString() != "Key " + ApiKey)
        {
            await WriteJsonAsync(context, 401, new JsonObject { ["detail"] = "Unauthorized: missing or invalid key" });
            return;
        }

        var requestsAt = Array.IndexOf(segments, "requests");
        if (requestsAt == 2 && segments.Length >= 4)
        {
            var requestId = segments[3];
            FakeFalJob? job;
            lock (_lock) _jobs.TryGetValue(requestId, out job);
            switch (request.Method, segments.Length > 4 ? segments[4] : null)
            {
                case ("GET", "status"):
                    if (await MisbehaveAsync(context, FakeFalEndpoint.Status)) return;
                    await StatusAsync(context, job);
                    return;
                case ("GET", null):
                    if (await MisbehaveAsync(context, FakeFalEndpoint.Result)) return;
                    await ResultAsync(context, job);
                    return;
                case ("PUT", "cancel"):
                    if (await MisbehaveAsync(context, FakeFalEndpoint.Cancel)) return;
                    await CancelAsync(context, job);
                    return;
            }
        }
        if (request.Method == "POST" && segments.Length >= 2)
        {
            await SubmitAsync(context, request, string.Join('/', segments));
            return;
        }
        await WriteJsonAsync(context, 404, new JsonObject { ["detail"] = $"No fake route for {request.Method} {request.Path}" });
    }

    private async Task SubmitAsync(HttpContext context, RecordedRequest request, string model)
    {
        (int Status, TimeSpan? RetryAfter)? failure = null;
        lock (_lock)
        {
            if (_submitFailures.Count > 0) failure = _submitFailures.Dequeue();
        }
        if (failure is { } f)
        {
            if (f.RetryAfter is { } wait) context.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            await WriteJsonAsync(context, f.Status, new JsonObject { ["detail"] = f.Status == 429 ? "Too many requests" : "Internal server error" });
            return;
        }
        if (await MisbehaveAsync(context, FakeFalEndpoint.Submit)) return;

        JsonNode? input;
        try
        {
            input = JsonNode.Parse(request.Body);
        }
        catch (JsonException)
        {
            await WriteJsonAsync(context, 422, new JsonObject { ["detail"] = "Body is not JSON" });
            return;
        }
        var webhook = context.Request.Query["fal_webhook"].ToString();
        var requestId = Guid.NewGuid().ToString();
        var app = string.Join('/', model.Split('/').Take(2)); // Fal's URLs drop the sub-path (fal-ai/flux/dev → fal-ai/flux)
        var job = new FakeFalJob(requestId, model, input, string.IsNullOrEmpty(webhook) ? null : new Uri(webhook), Behavior.Copy());
        lock (_lock) _jobs[requestId] = job;

        var queueUrl = new Uri(BaseUrl, $"/{app}/requests/{requestId}");
        await WriteJsonAsync(context, 200, new JsonObject
        {
            ["request_id"] = requestId,
            ["gateway_request_id"] = requestId,
            ["status"] = "IN_QUEUE",
            ["queue_position"] = 0,
            ["status_url"] = queueUrl + "/status",
            ["response_url"] = queueUrl.ToString(),
            ["cancel_url"] = queueUrl + "/cancel",
        });
        if (job.Behavior is { CompleteAfterPolls: 0, HoldCompletion: false }) _ = Complete(job); // delivery runs in the background, tracked
    }

    private async Task StatusAsync(HttpContext context, FakeFalJob? job)
    {
        if (job is null)
        {
            await WriteJsonAsync(context, 404, new JsonObject { ["detail"] = "Request not found" });
            return;
        }
        var polls = job.CountPoll();
        if (!job.IsCompleted && !job.Behavior.HoldCompletion && job.Behavior.CompleteAfterPolls > 0 && polls >= job.Behavior.CompleteAfterPolls)
            _ = Complete(job);

        var body = new JsonObject { ["response_url"] = new Uri(BaseUrl, $"/{string.Join('/', job.Model.Split('/').Take(2))}/requests/{job.RequestId}").ToString() };
        if (job.IsCompleted)
        {
            body["status"] = "COMPLETED";
            if (job.Behavior.Outcome == FakeFalOutcome.Error) body["error"] = job.Behavior.ErrorMessage;
        }
        else
        {
            body["status"] = polls <= 1 ? "IN_QUEUE" : "IN_PROGRESS";
            if (polls <= 1) body["queue_position"] = 0;
        }
        await WriteJsonAsync(context, 200, body);
    }

    private async Task ResultAsync(HttpContext context, FakeFalJob? job)
    {
        if (job is null)
        {
            await WriteJsonAsync(context, 404, new JsonObject { ["detail"] = "Request not found" });
            return;
        }
        if (!job.IsCompleted)
        {
            await WriteJsonAsync(context, 400, new JsonObject { ["detail"] = "Request is still in progress" });
            return;
        }
        if (job.Behavior.Outcome == FakeFalOutcome.Error)
        {
            await WriteJsonAsync(context, 422, new JsonObject { ["detail"] = Detail(job.Behavior.ErrorDetail) });
            return;
        }
        await WriteJsonAsync(context, 200, ResultPayload(ImageUrls(job)));
    }

    private async Task CancelAsync(HttpContext context, FakeFalJob? job)
    {
        if (job is null)
        {
            await WriteJsonAsync(context, 404, new JsonObject { ["status"] = "NOT_FOUND" });
            return;
        }
        if (job.IsCompleted)
        {
            await WriteJsonAsync(context, 400, new JsonObject { ["status"] = "ALREADY_COMPLETED" });
            return;
        }
        job.Cancel();
        await WriteJsonAsync(context, 202, new JsonObject { ["status"] = "CANCELLATION_REQUESTED" });
    }

    private async Task ServeFileAsync(HttpContext context, string requestId, string fileName)
    {
        if (Behavior.FileStatusCode != 200)
        {
            context.Response.StatusCode = Behavior.FileStatusCode;
            return;
        }
        var bytes = Behavior.FileBytes ?? ImageFor(requestId, fileName);
        context.Response.StatusCode = 200;
        context.Response.ContentType = Behavior.FileContentType;
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    private async Task<bool> MisbehaveAsync(HttpContext context, FakeFalEndpoint endpoint)
    {
        if (Behavior.Unavailable.HasFlag(endpoint))
        {
            await WriteJsonAsync(context, 503, new JsonObject { ["detail"] = "Service unavailable" });
            return true;
        }
        if (Behavior.Hang.HasFlag(endpoint))
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
            try
            {
                await Task.Delay(Timeout.Infinite, linked.Token);
            }
            catch (OperationCanceledException)
            {
                // The client gave up or the server is stopping.
            }
            return true;
        }
        if (Behavior.Garbage.HasFlag(endpoint))
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "text/html";
            await context.Response.WriteAsync("<html><body>502 Bad Gateway (but 200)</body></html>", context.RequestAborted);
            return true;
        }
        return false;
    }

    private Task? Complete(FakeFalJob job)
    {
        if (!job.MarkCompleted() || job.WebhookUrl is null || job.Behavior.WebhookDeliveries <= 0) return null;
        var delivery = Task.Run(() => DeliverAsync(job));
        lock (_lock) _deliveries.Add(delivery);
        return delivery;
    }

    private async Task DeliverAsync(FakeFalJob job)
    {
        var body = job.Behavior.Outcome switch
        {
            FakeFalOutcome.Error => ErrorWebhookBody(job.RequestId, job.Behavior.ErrorMessage, job.Behavior.ErrorDetail),
            FakeFalOutcome.PayloadError => PayloadErrorWebhookBody(job.RequestId, job.Behavior.PayloadErrorMessage),
            _ => SuccessWebhookBody(job.RequestId, ImageUrls(job)),
        };
        for (var i = 0; i < job.Behavior.WebhookDeliveries && !_stopping.IsCancellationRequested; i++)
        {
            var signed = Sign(job.RequestId, body, job.Behavior.WebhookSigning, job.Behavior.TimestampSkew);
            using var request = new HttpRequestMessage(HttpMethod.Post, job.WebhookUrl) { Content = new ByteArrayContent(signed.Body) };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            foreach (var (name, value) in signed.Headers) request.Headers.TryAddWithoutValidation(name, value);
            try
            {
                using var response = await _webhookClient.SendAsync(request, _stopping.Token);
                job.AddDelivery(new WebhookDelivery((int)response.StatusCode, null, signed.Headers, signed.Body));
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
                job.AddDelivery(new WebhookDelivery(null, e.Message, signed.Headers, signed.Body));
            }
        }
    }

    private IEnumerable<Uri> ImageUrls(FakeFalJob job) =>
        Enumerable.Range(0, job.Behavior.ImagesPerResult).Select(i => new Uri(BaseUrl, $"/files/{job.RequestId}/{i}.png"));

    private static byte[] ImageFor(string requestId, string fileName)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(requestId + "/" + fileName));
        return TinyPng.Solid(hash[0], hash[1], hash[2]);
    }

    private JsonObject Jwks()
    {
        var keys = new JsonArray();
        lock (_lock)
        {
            foreach (var pk in _retiredPublicKeys.Append(PublicOf(_secretKey)))
                keys.Add(new JsonObject { ["kty"] = "OKP", ["crv"] = "Ed25519", ["x"] = Base64UrlEncode(pk), ["use"] = "sig" });
        }
        // A key of another type, which a verifier must skip.
        keys.Add(new JsonObject { ["kty"] = "EC", ["crv"] = "P-256", ["x"] = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", ["y"] = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0" });
        return new JsonObject { ["keys"] = keys };
    }

    private static JsonObject ResultPayload(IEnumerable<Uri> imageUrls)
    {
        var images = new JsonArray();
        foreach (var url in imageUrls)
        {
            images.Add(new JsonObject
            {
                ["url"] = url.ToString(),
                ["content_type"] = "image/png",
                ["file_name"] = url.Segments[^1],
                ["width"] = 16,
                ["height"] = 16,
            });
        }
        return new JsonObject { ["images"] = images, ["seed"] = 42, ["has_nsfw_concepts"] = new JsonArray(false), ["prompt"] = "" };
    }

    private static JsonArray Detail(string message) =>
        new(new JsonObject { ["loc"] = new JsonArray("body", "prompt"), ["msg"] = message, ["type"] = "value_error.missing" });

    private static async Task WriteJsonAsync(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(Json(body), context.RequestAborted);
    }

    private static byte[] Json(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString());

    private static byte[] NewSecretKey() => RandomNumberGenerator.GetBytes(32);

    private static byte[] PublicOf(byte[] secretKey)
    {
        var pk = new byte[32];
        Ed25519.GeneratePublicKey(secretKey, 0, pk, 0);
        return pk;
    }

    private static string Base64UrlEncode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        Task[] deliveries;
        lock (_lock) deliveries = _deliveries.ToArray();
        try
        {
            await Task.WhenAll(deliveries);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        await _server.DisposeAsync();
        _webhookClient.Dispose();
        _stopping.Dispose();
    }
}

/// <summary>A webhook as Fal would send it: signature headers and body.</summary>
public sealed record SignedWebhook(IReadOnlyDictionary<string, string> Headers, byte[] Body);

/// <summary>One attempted webhook delivery: the receiver's status, or the error when it could not be reached.</summary>
public sealed record WebhookDelivery(int? StatusCode, string? Error, IReadOnlyDictionary<string, string> Headers, byte[] Body);

/// <summary>A request submitted to the fake.</summary>
public sealed class FakeFalJob(string requestId, string model, JsonNode? input, Uri? webhookUrl, FakeFalBehavior behavior)
{
    private readonly object _lock = new();
    private readonly List<WebhookDelivery> _deliveries = [];
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];
    private int _polls;
    private bool _completed;
    private bool _cancelled;

    public string RequestId { get; } = requestId;

    /// <summary>The model as submitted, sub-path included (e.g. <c>fal-ai/flux/dev</c>).</summary>
    public string Model { get; } = model;

    /// <summary>The submitted input.</summary>
    public JsonNode? Input { get; } = input;

    /// <summary>The <c>fal_webhook</c> of the submission.</summary>
    public Uri? WebhookUrl { get; } = webhookUrl;

    /// <summary>The script as it was when the job was submitted.</summary>
    public FakeFalBehavior Behavior { get; } = behavior;

    public int Polls => Volatile.Read(ref _polls);

    public bool IsCompleted
    {
        get { lock (_lock) return _completed; }
    }

    public bool IsCancelled
    {
        get { lock (_lock) return _cancelled; }
    }

    public IReadOnlyList<WebhookDelivery> Deliveries
    {
        get { lock (_lock) return _deliveries.ToList(); }
    }

    internal int CountPoll() => Interlocked.Increment(ref _polls);

    internal bool MarkCompleted()
    {
        lock (_lock)
        {
            if (_completed || _cancelled) return false;
            _completed = true;
            return true;
        }
    }

    internal void Cancel()
    {
        lock (_lock) _cancelled = true;
    }

    internal void AddDelivery(WebhookDelivery delivery)
    {
        lock (_lock)
        {
            _deliveries.Add(delivery);
            foreach (var waiter in _waiters.Where(w => _deliveries.Count >= w.Count).ToList())
            {
                waiter.Signal.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }

    internal Task WaitForDeliveriesAsync(int count, CancellationToken ct)
    {
        lock (_lock)
        {
            if (_deliveries.Count >= count) return Task.CompletedTask;
            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, signal));
            return signal.Task.WaitAsync(ct);
        }
    }
}
