using System.Text.Json;
using Hearth.Images;

namespace Hearth.Adapters.Fal;

/// <summary>
/// The body Fal POSTs to a webhook: <c>request_id</c>, <c>gateway_request_id</c>, <c>status</c> (<c>OK</c> or <c>ERROR</c>),
/// <c>payload</c> (the result, or error details), <c>error</c> (a message, on ERROR) and <c>payload_error</c> (set, with
/// a null payload, when Fal could not serialise the result).
/// </summary>
public sealed record FalWebhookPayload(string RequestId, string? GatewayRequestId, bool IsOk, string? Error, string? PayloadError, FalResult? Result, string? ErrorDetails)
{
    /// <summary>Reads a webhook body; throws <see cref="JsonException"/> or <see cref="FormatException"/> when it is not one.</summary>
    public static FalWebhookPayload Parse(ReadOnlySpan<byte> body)
    {
        using var json = JsonDocument.Parse(body.ToArray());
        var root = json.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new FormatException("the body is not a JSON object");
        var requestId = Text(root, "request_id") ?? throw new FormatException("the body has no request_id");
        var isOk = Text(root, "status") switch
        {
            "OK" => true,
            "ERROR" => false,
            var other => throw new FormatException($"unknown status '{other}'"),
        };
        var error = root.TryGetProperty("error", out var e) && e.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined) ? FalQueueClient.DescribeError(e) : null;
        var payloadError = root.TryGetProperty("payload_error", out var pe) && pe.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined) ? FalQueueClient.DescribeError(pe) : null;
        var hasPayload = root.TryGetProperty("payload", out var payload) && payload.ValueKind == JsonValueKind.Object;

        FalResult? result = null;
        string? details = null;
        if (hasPayload && isOk)
        {
            try
            {
                result = FalQueueClient.ParseResult(payload);
            }
            catch (ImageGenerationException ex)
            {
                throw new FormatException(ex.Message);
            }
        }
        else if (hasPayload)
        {
            details = FalQueueClient.DescribeError(payload);
        }
        return new FalWebhookPayload(requestId, Text(root, "gateway_request_id"), isOk, error, payloadError, result, details);
    }

    /// <summary>The vendor-neutral outcome: images, Fal's reason for failing, or "read the result yourself".</summary>
    public ImageJobOutcome ToOutcome()
    {
        if (!IsOk)
        {
            var reason = (Error, ErrorDetails) switch
            {
                (not null, not null) => $"{Error} ({ErrorDetails})",
                (not null, null) => Error,
                (null, not null) => ErrorDetails,
                _ => PayloadError ?? "Fal reported an error without a reason",
            };
            return ImageJobOutcome.Failure(RequestId, Truncate(reason));
        }
        if (Result is null)
        {
            return new ImageJobOutcome(RequestId, ImageJobOutcomeKind.ResultNotDelivered, [],
                PayloadError is null ? "Fal's webhook carried no payload" : Truncate($"Fal could not deliver the result: {PayloadError}"));
        }
        return ImageJobOutcome.Success(RequestId, Result.Images.Select(FalImageGenerator.ToGenerated).ToList());
    }

    private static string Truncate(string text) => text.Length <= 1000 ? text : text[..1000] + "…";

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
