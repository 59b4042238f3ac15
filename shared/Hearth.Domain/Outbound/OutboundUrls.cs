using System.Net;

namespace Hearth.Outbound;

/// <summary>What Hearth allows when it calls a URL a user gave it (set from the host's <c>Outbound</c> settings).</summary>
public sealed class OutboundOptions
{
    /// <summary>
    /// Development and tests only (the host refuses to start with it elsewhere): loopback addresses are allowed, over
    /// plain http too, so that a webhook receiver on the developer's machine works. Private and other ranges stay refused.
    /// </summary>
    public bool AllowLoopback { get; set; }

    /// <summary>How long a connection may take to open.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a whole request may take (connect, send, answer headers).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The most of an answer's body Hearth reads or buffers.</summary>
    public int MaxResponseBytes { get; set; } = 64 * 1024;
}

/// <summary>Why a URL is refused: a stable rule name and a sentence for the user.</summary>
public sealed record OutboundRefusal(string Rule, string Message);

/// <summary>
/// Checks a user-supplied URL before it is stored and again before it is called: absolute, https (http only to loopback
/// where loopback is allowed), no credentials, and no host that is or names an address <see cref="OutboundAddresses"/>
/// refuses. Odd IPv4 spellings (<c>2130706433</c>, <c>0x7f000001</c>, <c>0177.0.0.1</c>, <c>127.1</c>) are read as the
/// address they are. Names are checked again at connect time by <see cref="OutboundHttp"/>, after DNS.
/// </summary>
public static class OutboundUrls
{
    /// <summary>Rule names for URL-level refusals (address rules come from <see cref="OutboundAddresses.Rules"/>).</summary>
    public static class Rules
    {
        public const string NotAbsolute = "absolute-url";
        public const string Scheme = "https-only";
        public const string Credentials = "no-credentials";
        public const string LocalName = "local-name";
    }

    /// <summary>Parses and checks <paramref name="text"/> without looking names up; null refusal means allowed.</summary>
    public static OutboundRefusal? Check(string? text, OutboundOptions options, out Uri? url)
    {
        url = null;
        if (string.IsNullOrWhiteSpace(text) || !Uri.TryCreate(text.Trim(), UriKind.Absolute, out var parsed) || parsed.IsFile || parsed.IsUnc)
            return new(Rules.NotAbsolute, "must be an absolute https URL");
        url = parsed;
        return Check(parsed, options);
    }

    /// <summary>Checks a parsed URL without looking names up; null means allowed.</summary>
    public static OutboundRefusal? Check(Uri url, OutboundOptions options)
    {
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
            return new(Rules.Scheme, "must be an https URL");
        if (!string.IsNullOrEmpty(url.UserInfo))
            return new(Rules.Credentials, "must not carry a user name or password (sign with the webhook secret instead)");
        var host = HostOf(url);
        if (AddressOf(host) is { } address)
        {
            if (OutboundAddresses.RefusalOf(address, options.AllowLoopback) is { } rule) return AddressRefusal(rule);
        }
        else if (IsLocalName(host) && !options.AllowLoopback)
            return new(Rules.LocalName, "must not name this machine or the local network (localhost, .local, .internal, single-label names)");
        if (url.Scheme == Uri.UriSchemeHttp && !(options.AllowLoopback && IsLoopbackHost(host)))
            return new(Rules.Scheme, options.AllowLoopback ? "must be an https URL (http only to loopback, in Development)" : "must be an https URL");
        return null;
    }

    /// <summary>The refusal for an address rule, worded for the user.</summary>
    public static OutboundRefusal AddressRefusal(string rule) =>
        new(rule, $"must reach a public internet address (this one is {rule.Replace('-', ' ')}); Hearth never calls into its own network");

    /// <summary>The host as an IP address when it is one, in any spelling; null for names.</summary>
    public static IPAddress? AddressOf(string host)
    {
        var bare = host.TrimEnd('.');
        if (bare.StartsWith('[') && bare.EndsWith(']')) bare = bare[1..^1];
        if (bare.Length == 0) return null;
        // IPAddress.TryParse reads the inet_aton forms (decimal, octal, hex, fewer than four parts) like the resolver does;
        // a name made only of digits, dots and hex is one of those, never a real host name.
        if (bare.Contains(':') || bare.All(c => char.IsAsciiHexDigit(c) || c is '.' or 'x' or 'X'))
            return IPAddress.TryParse(bare, out var address) ? address : null;
        return null;
    }

    private static string HostOf(Uri url) => url.HostNameType == UriHostNameType.IPv6 ? url.Host.Trim('[', ']') : url.IdnHost;

    private static bool IsLoopbackHost(string host) =>
        AddressOf(host) is { } address ? IPAddress.IsLoopback(address) : IsLocalhost(host);

    private static bool IsLocalhost(string host)
    {
        var name = host.TrimEnd('.').ToLowerInvariant();
        return name == "localhost" || name.EndsWith(".localhost", StringComparison.Ordinal);
    }

    private static bool IsLocalName(string host)
    {
        var name = host.TrimEnd('.').ToLowerInvariant();
        return IsLocalhost(name) || !name.Contains('.')
            || name.EndsWith(".local", StringComparison.Ordinal) || name.EndsWith(".internal", StringComparison.Ordinal)
            || name.EndsWith(".lan", StringComparison.Ordinal) || name.EndsWith(".home.arpa", StringComparison.Ordinal);
    }
}
