namespace Hearth.Testing.Fakes;

/// <summary>How a fake Fal request ends.</summary>
public enum FakeFalOutcome
{
    /// <summary>Images are made (webhook status OK with a payload).</summary>
    Success,

    /// <summary>Fal fails the request (webhook status ERROR with <see cref="FakeFalBehavior.ErrorMessage"/>; the result answers 422).</summary>
    Error,

    /// <summary>Fal finishes but cannot serialise the payload (webhook status OK, payload null, payload_error set).</summary>
    PayloadError,
}

/// <summary>How the fake signs the webhooks it delivers.</summary>
public enum FakeWebhookSigning
{
    Valid,

    /// <summary>Signed with a key that is not in the JWKS.</summary>
    WrongKey,

    /// <summary>Timestamp <see cref="FakeFalBehavior.TimestampSkew"/> in the past.</summary>
    StaleTimestamp,

    /// <summary>Timestamp <see cref="FakeFalBehavior.TimestampSkew"/> in the future.</summary>
    FutureTimestamp,

    /// <summary>Validly signed, then one byte of the body changed.</summary>
    TamperedBody,

    /// <summary>No signature headers at all.</summary>
    Unsigned,
}

/// <summary>Endpoints of the fake, to aim misbehaviour at.</summary>
[Flags]
public enum FakeFalEndpoint
{
    None = 0,
    Submit = 1,
    Status = 2,
    Result = 4,
    Cancel = 8,
    Jwks = 16,
    Files = 32,
}

/// <summary>
/// The script of a <see cref="FakeFalServer"/>. Read when a request is submitted (each job keeps a copy), except
/// <see cref="Garbage"/>, <see cref="Hang"/>, <see cref="Unavailable"/> and the file settings, which apply to every request as it arrives.
/// </summary>
public sealed class FakeFalBehavior
{
    public FakeFalOutcome Outcome { get; set; } = FakeFalOutcome.Success;

    /// <summary>Fal's <c>error</c> on ERROR.</summary>
    public string ErrorMessage { get; set; } = "Invalid status code: 422";

    /// <summary>The FastAPI-style detail (on <c>body.prompt</c>) in an ERROR payload and a failed result.</summary>
    public string ErrorDetail { get; set; } = "field required";

    /// <summary>Fal's <c>payload_error</c> on <see cref="FakeFalOutcome.PayloadError"/>.</summary>
    public string PayloadErrorMessage { get; set; } = "Response payload is not JSON serializable";

    public int ImagesPerResult { get; set; } = 1;

    /// <summary>How many times the webhook is delivered on completion (0: never; 3: the same delivery three times).</summary>
    public int WebhookDeliveries { get; set; } = 1;

    public FakeWebhookSigning WebhookSigning { get; set; } = FakeWebhookSigning.Valid;

    /// <summary>How far off a stale or future timestamp is.</summary>
    public TimeSpan TimestampSkew { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// 0: the request is complete at submission. N: status polls answer IN_QUEUE, then IN_PROGRESS, and the N-th poll
    /// completes it (and triggers the webhook).
    /// </summary>
    public int CompleteAfterPolls { get; set; }

    /// <summary>True: the request stays in progress until <see cref="FakeFalServer.CompleteAsync"/> is called.</summary>
    public bool HoldCompletion { get; set; }

    /// <summary>Endpoints that answer 200 with an HTML page instead of JSON.</summary>
    public FakeFalEndpoint Garbage { get; set; }

    /// <summary>Endpoints that answer 503 Service Unavailable to every request (Fal down).</summary>
    public FakeFalEndpoint Unavailable { get; set; }

    /// <summary>Endpoints that never answer (until the client gives up or the server stops).</summary>
    public FakeFalEndpoint Hang { get; set; }

    /// <summary>The Content-Type the image files are served with.</summary>
    public string FileContentType { get; set; } = "image/png";

    /// <summary>Bytes served for every image file instead of a generated PNG.</summary>
    public byte[]? FileBytes { get; set; }

    public int FileStatusCode { get; set; } = 200;

    internal FakeFalBehavior Copy() => (FakeFalBehavior)MemberwiseClone();
}
