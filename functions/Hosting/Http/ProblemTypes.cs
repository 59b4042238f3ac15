namespace Hearth.Functions.Hosting;

/// <summary>The stable <c>type</c> URIs of Hearth's problem responses (<c>urn:hearth:problem:&lt;slug&gt;</c>).</summary>
public static class ProblemTypes
{
    public const string Prefix = "urn:hearth:problem:";
    public const string Validation = Prefix + "validation";
    public const string MalformedJson = Prefix + "malformed-json";
    public const string Unauthorized = Prefix + "unauthorized";
    public const string Forbidden = Prefix + "forbidden";
    public const string NotFound = Prefix + "not-found";
    public const string MethodNotAllowed = Prefix + "method-not-allowed";
    public const string Conflict = Prefix + "conflict";
    public const string PayloadTooLarge = Prefix + "payload-too-large";
    public const string UnsupportedMediaType = Prefix + "unsupported-media-type";
    public const string RateLimited = Prefix + "rate-limited";
    public const string Unavailable = Prefix + "unavailable";
    public const string Internal = Prefix + "internal";

    /// <summary>400: a URL Hearth would call (a webhook) breaks an outbound rule; <c>rule</c> names it (e.g. <c>loopback</c>).</summary>
    public const string UrlRefused = Prefix + "url-refused";

    /// <summary>429: the caller already has as many runs going as one user may (<c>active</c>, <c>limit</c>).</summary>
    public const string TooManyActive = Prefix + "too-many-active";

    /// <summary>409: the caller already has as many companions as one user may (<c>limit</c>); delete one first.</summary>
    public const string TooManyAgents = Prefix + "too-many-agents";

    /// <summary>409: an accepted core memory edit replaces a line the core memory no longer holds.</summary>
    public const string CoreMemoryChanged = Prefix + "core-memory-changed";

    /// <summary>409: an accepted core memory edit would make the block longer than its limit.</summary>
    public const string CoreMemoryFull = Prefix + "core-memory-full";

    /// <summary>The title of a type (one per type, so clients may show it).</summary>
    public static string TitleOf(string type) => type switch
    {
        MalformedJson => "The body is not valid JSON.",
        UrlRefused => "Hearth will not call this URL.",
        TooManyActive => "Too many runs going at once.",
        TooManyAgents => "Too many companions.",
        CoreMemoryChanged => "The core memory has changed since this edit was proposed.",
        CoreMemoryFull => "The core memory is full.",
        _ => ForStatus(StatusOf(type)).Title,
    };

    private static int StatusOf(string type) => type switch
    {
        Validation or MalformedJson or UrlRefused => 400,
        Unauthorized => 401,
        Forbidden => 403,
        NotFound => 404,
        MethodNotAllowed => 405,
        Conflict or TooManyAgents or CoreMemoryChanged or CoreMemoryFull => 409,
        PayloadTooLarge => 413,
        UnsupportedMediaType => 415,
        RateLimited or TooManyActive => 429,
        Unavailable => 503,
        _ => 500,
    };

    /// <summary>The type and title for a status code when nothing more precise is known.</summary>
    public static (string Type, string Title) ForStatus(int status) => status switch
    {
        400 => (Validation, "The request is not valid."),
        401 => (Unauthorized, "Authentication is required."),
        403 => (Forbidden, "You are not allowed to do this."),
        404 => (NotFound, "Not found."),
        405 => (MethodNotAllowed, "Method not allowed."),
        409 => (Conflict, "Conflict with the current state."),
        413 => (PayloadTooLarge, "The request body is too large."),
        415 => (UnsupportedMediaType, "Unsupported media type."),
        429 => (RateLimited, "Too many requests."),
        503 => (Unavailable, "The service is unavailable; try again shortly."),
        >= 500 => (Internal, "An unexpected error occurred."),
        _ => (Prefix + status.ToString(System.Globalization.CultureInfo.InvariantCulture), "The request failed."),
    };
}
