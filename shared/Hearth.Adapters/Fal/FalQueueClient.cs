using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Hearth.Adapters.Http;
using Hearth.Images;
using Microsoft.Extensions.Options;

namespace Hearth.Adapters.Fal;

/// <summary>
/// Fal's queue API over HttpClient (there is no .NET SDK): submit with an optional webhook, then status, result and
/// cancel through the URLs Fal returned. Every failure is an <see cref="ImageGenerationException"/> classified for
/// retry: network trouble, timeouts, 408, 429 (with its <c>Retry-After</c>), 5xx and malformed answers are retryable;
/// other 4xx are permanent. The key is sent only to the origin of <see cref="FalOptions.QueueBaseUrl"/> and never
/// appears in a message.
/// </summary>
public sealed partial class FalQueueClient(HttpClient http, IOptions<FalOptions> options, TimeProvider time)
{
    private const int MaxDetailLength = 300;
    private readonly FalOptions _options = options.Value;

    /// <summary>True for ids like <c>fal-ai/flux/dev</c>: owner, app and optional sub-path, no dot segments.</summary>
    public static bool IsValidModelId(string? model) =>
        model is not null && ModelPattern().IsMatch(model) && !model.Split('/').Any(s => s is "." or "..");

    /// <summary>
    /// Queues <paramref name="input"/> for <paramref name="model"/>; Fal will POST the outcome to <paramref name="webhookUrl"/>
    /// when given. Not idempotent: a retried submission is a second request (and a second bill).
    /// </summary>
    public async Task<FalSubmission> SubmitAsync(string model, JsonObject input, Uri? webhookUrl, CancellationToken ct)
    {
        if (!IsValidModelId(model)) throw new ArgumentException($"'{model}' is not a Fal model id like 'fal-ai/flux/dev'.", nameof(model));
        ArgumentNullException.ThrowIfNull(input);
        if (webhookUrl is not null && (!webhookUrl.IsAbsoluteUri || webhookUrl.Scheme is not ("https" or "http")))
            throw new ArgumentException("The webhook URL must be an absolute http(s) URL.", nameof(webhookUrl));

        var url = _options.QueueBaseUrl.GetLeftPart(UriPartial.Authority) + _options.QueueBaseUrl.AbsolutePath.TrimEnd('/') + "/" + model;
        if (webhookUrl is not null) url += "?fal_webhook=" + Uri.EscapeDataString(webhookUrl.AbsoluteUri);
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(input.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        using var json = await SendAsync(request, "Submitting to Fal", ct);
        var root = json.RootElement;
        var requestId = RequiredString(root, "request_id", "submission");
        return new FalSubmission(
            requestId,
            RequiredUrl(root, "status_url", "submission"),
            RequiredUrl(root, "response_url", "submission"),
            RequiredUrl(root, "cancel_url", "submission"),
            OptionalString(root, "gateway_request_id"));
    }

    /// <summary>The status at <paramref name="statusUrl"/> (the submission's <see cref="FalSubmission.StatusUrl"/>).</summary>
    public async Task<FalQueueStatus> GetStatusAsync(Uri statusUrl, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, RequireQueueOrigin(statusUrl, "status"));
        using var json = await SendAsync(request, "Reading the Fal status", ct);
        var root = json.RootElement;
        var state = RequiredString(root, "status", "status") switch
        {
            "IN_QUEUE" => FalRequestState.InQueue,
            "IN_PROGRESS" => FalRequestState.InProgress,
            "COMPLETED" => FalRequestState.Completed,
            var other => throw Malformed($"status answer has an unknown status '{Truncate(other, 40)}'"),
        };
        int? position = root.TryGetProperty("queue_position", out var p) && p.ValueKind == JsonValueKind.Number && p.TryGetInt32(out var n) ? n : null;
        Uri? responseUrl = OptionalString(root, "response_url") is { } r && Uri.TryCreate(r, UriKind.Absolute, out var u) ? u : null;
        var error = root.TryGetProperty("error", out var e) && e.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined) ? DescribeError(e) : null;
        return new FalQueueStatus(state, position, responseUrl, error);
    }

    /// <summary>The images of a completed request at <paramref name="responseUrl"/>.</summary>
    public async Task<FalResult> GetResultAsync(Uri responseUrl, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, RequireQueueOrigin(responseUrl, "response"));
        using var json = await SendAsync(request, "Reading the Fal result", ct);
        return ParseResult(json.RootElement);
    }

    /// <summary>Asks Fal to cancel; an already finished request is not an error.</summary>
    public async Task<FalCancelOutcome> CancelAsync(Uri cancelUrl, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, RequireQueueOrigin(cancelUrl, "cancel"));
        try
        {
            using var json = await SendAsync(request, "Cancelling the Fal request", ct);
            return OptionalString(json.RootElement, "status") == "ALREADY_COMPLETED" ? FalCancelOutcome.AlreadyCompleted : FalCancelOutcome.CancellationRequested;
        }
        catch (ImageGenerationException e) when (e.StatusCode == 400)
        {
            return FalCancelOutcome.AlreadyCompleted;
        }
        catch (ImageGenerationException e) when (e.StatusCode == 404)
        {
            return FalCancelOutcome.NotFound;
        }
    }

    /// <summary>Reads the images of a result or webhook payload: <c>images</c> (a list) or <c>image</c> (one).</summary>
    public static FalResult ParseResult(JsonElement payload)
    {
        if (payload.ValueKind != JsonValueKind.Object) throw Malformed("result is not a JSON object");
        var images = new List<FalImage>();
        if (payload.TryGetProperty("images", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in list.EnumerateArray()) images.Add(ParseImage(item));
        }
        else if (payload.TryGetProperty("image", out var single) && single.ValueKind == JsonValueKind.Object)
        {
            images.Add(ParseImage(single));
        }
        if (images.Count == 0) throw Malformed("result has no images");
        return new FalResult(images);
    }

    private static FalImage ParseImage(JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object) throw Malformed("result lists an image that is not an object");
        var url = RequiredUrl(item, "url", "image");
        if (url.Scheme is not ("https" or "http" or "data")) throw Malformed("result lists an image URL that is not http(s)");
        return new FalImage(url, OptionalString(item, "content_type"), OptionalInt(item, "width"), OptionalInt(item, "height"));
    }

    private async Task<JsonDocument> SendAsync(HttpRequestMessage request, string what, CancellationToken ct)
    {
        var key = _options.Key;
        if (string.IsNullOrWhiteSpace(key))
            throw new ImageGenerationException($"{what} needs Fal:Key, which is not set.", isRetryable: false);
        request.Headers.Authorization = new AuthenticationHeaderValue("Key", key);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
        }
        catch (Exception e) when (ProviderResilience.IsTimeout(e) || e is OperationCanceledException && !ct.IsCancellationRequested)
        {
            throw new ImageGenerationException($"{what} timed out after {_options.RequestTimeout.TotalSeconds:0.#} s.", isRetryable: true, inner: e);
        }
        catch (Exception e) when (ProviderResilience.IsCircuitOpen(e))
        {
            // Fal failed every call lately: the job tries again after the break rather than adding to the load.
            throw new ImageGenerationException($"{what} was not tried: Fal failed every call lately; calls resume within {_options.BreakDuration.TotalSeconds:0.#} s.",
                isRetryable: true, retryAfter: _options.BreakDuration, inner: e);
        }
        catch (HttpRequestException e)
        {
            throw new ImageGenerationException($"{what} failed: {Scrub(e.Message)}", isRetryable: true, inner: e);
        }

        using (response)
        {
            string body;
            try
            {
                body = await response.Content.ReadAsStringAsync(ct);
            }
            catch (HttpRequestException e)
            {
                throw new ImageGenerationException($"{what} failed while reading the answer: {Scrub(e.Message)}", isRetryable: true, inner: e);
            }

            var status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                var retryable = status is 408 or 429 || status >= 500;
                var detail = ErrorDetail(body);
                var reason = response.StatusCode switch
                {
                    HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => "Fal refused the key (check Fal:Key)",
                    HttpStatusCode.TooManyRequests => "Fal is rate limiting us",
                    _ => $"Fal answered {status} {response.ReasonPhrase}",
                };
                throw new ImageGenerationException(
                    detail is null ? $"{what} failed: {reason}." : $"{what} failed: {reason}: {detail}",
                    retryable, status, retryable ? RetryAfter(response) : null);
            }

            try
            {
                return JsonDocument.Parse(body);
            }
            catch (JsonException)
            {
                throw Malformed($"answer to '{what}' is not JSON ({Truncate(Scrub(body), 80)})", status);
            }
        }
    }

    private Uri RequireQueueOrigin(Uri url, string which)
    {
        ArgumentNullException.ThrowIfNull(url);
        // The key goes with these calls: only to the queue we were configured with, whatever a response said.
        if (!url.IsAbsoluteUri || Uri.Compare(url, _options.QueueBaseUrl, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) != 0)
            throw new ImageGenerationException($"The Fal {which} URL is not on {_options.QueueBaseUrl.GetLeftPart(UriPartial.Authority)}; refusing to send the key elsewhere.", isRetryable: false);
        return url;
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta) return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        if (header?.Date is { } date)
        {
            var wait = date - time.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }
        return null;
    }

    private string? ErrorDetail(string body)
    {
        if (string.IsNullOrWhiteSpace(body)) return null;
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var name in (string[])["detail", "error", "message"])
                {
                    if (json.RootElement.TryGetProperty(name, out var value) && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
                        return Truncate(Scrub(DescribeError(value)), MaxDetailLength);
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's page, say): a short excerpt is still a useful clue.
        }
        return Truncate(Scrub(body.Trim()), MaxDetailLength);
    }

    /// <summary>Fal's error shapes as one line: a string, or FastAPI's <c>[{loc, msg, type}]</c>, or any JSON.</summary>
    internal static string DescribeError(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return value.GetString() ?? "";
            case JsonValueKind.Array:
                var parts = new List<string>();
                foreach (var item in value.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("msg", out var msg) && msg.ValueKind == JsonValueKind.String)
                    {
                        var loc = item.TryGetProperty("loc", out var l) && l.ValueKind == JsonValueKind.Array
                            ? string.Join('.', l.EnumerateArray().Select(x => x.ToString()))
                            : null;
                        parts.Add(loc is null ? msg.GetString()! : $"{loc}: {msg.GetString()}");
                    }
                    else
                    {
                        parts.Add(DescribeError(item));
                    }
                }
                return string.Join("; ", parts);
            case JsonValueKind.Object when value.TryGetProperty("detail", out var detail):
                return DescribeError(detail);
            case JsonValueKind.Object when value.TryGetProperty("message", out var message):
                return DescribeError(message);
            default:
                return value.GetRawText();
        }
    }

    private string Scrub(string text) =>
        string.IsNullOrEmpty(_options.Key) ? text : text.Replace(_options.Key, "[redacted]", StringComparison.Ordinal);

    private static string RequiredString(JsonElement root, string name, string what) =>
        OptionalString(root, name) is { Length: > 0 } value ? value : throw Malformed($"{what} answer has no '{name}'");

    private static Uri RequiredUrl(JsonElement root, string name, string what) =>
        Uri.TryCreate(RequiredString(root, name, what), UriKind.Absolute, out var url) ? url : throw Malformed($"{what} answer has an invalid '{name}'");

    private static string? OptionalString(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int? OptionalInt(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) ? n : null;

    private static ImageGenerationException Malformed(string what, int? status = null) =>
        // A 200 with a body we cannot read is most often a proxy or a truncated answer: worth another try.
        new($"Fal's {what}.", isRetryable: true, status);

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*){1,3}$", RegexOptions.CultureInvariant)]
    private static partial Regex ModelPattern();
}
