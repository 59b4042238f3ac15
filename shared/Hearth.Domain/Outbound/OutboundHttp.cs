using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Hearth.Outbound;

/// <summary>Looks a host name up (a seam so that tests can make a name resolve to loopback, as DNS rebinding would).</summary>
public interface IHostResolver
{
    Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct);
}

/// <summary>The system resolver.</summary>
public sealed class DnsHostResolver : IHostResolver
{
    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct) => Dns.GetHostAddressesAsync(host, ct);
}

/// <summary>A call to a user-supplied URL refused by Hearth's outbound rules (before any byte left for that address).</summary>
public sealed class OutboundRefusedException(OutboundRefusal refusal) : Exception($"Refused by the outbound rule '{refusal.Rule}': the URL {refusal.Message}.")
{
    public OutboundRefusal Refusal { get; } = refusal;

    /// <summary>The refusal inside an exception chain (SocketsHttpHandler wraps what its connect callback throws).</summary>
    public static OutboundRefusal? Find(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is OutboundRefusedException refused) return refused.Refusal;
        return null;
    }
}

/// <summary>
/// The one <see cref="HttpClient"/> for URLs users give Hearth (the notification webhook): the address is checked after
/// DNS, at connect time, against <see cref="OutboundAddresses"/> (so a name that resolves to the server's own network,
/// now or after a rebinding, is refused); no proxy, no automatic redirects, short timeouts, a capped answer.
/// Get it with <c>IHttpClientFactory.CreateClient(OutboundHttp.ClientName)</c> and check the URL with
/// <see cref="OutboundUrls.Check(Uri, OutboundOptions)"/> before sending.
/// </summary>
public static class OutboundHttp
{
    public const string ClientName = "outbound-user-urls";

    /// <summary>Registers the client, the system resolver (unless one is registered) and <see cref="OutboundOptions"/>.</summary>
    public static IServiceCollection AddOutboundHttp(this IServiceCollection services)
    {
        services.AddOptions<OutboundOptions>();
        services.TryAddSingleton<IHostResolver, DnsHostResolver>();
        services.AddHttpClient(ClientName, (sp, client) =>
            {
                var options = sp.GetRequiredService<IOptions<OutboundOptions>>().Value;
                client.Timeout = options.RequestTimeout;
                client.MaxResponseContentBufferSize = options.MaxResponseBytes;
            })
            .ConfigurePrimaryHttpMessageHandler(sp => CreateHandler(sp.GetRequiredService<IHostResolver>(), sp.GetRequiredService<IOptions<OutboundOptions>>().Value));
        return services;
    }

    /// <summary>The guarded handler (public for tests and for callers outside dependency injection).</summary>
    public static SocketsHttpHandler CreateHandler(IHostResolver resolver, OutboundOptions options) => new()
    {
        AllowAutoRedirect = false,
        UseProxy = false,                      // a proxy would make the connection, and the check, somewhere else
        UseCookies = false,
        ConnectTimeout = options.ConnectTimeout,
        MaxResponseHeadersLength = 16,         // KiB
        MaxResponseDrainSize = 0,
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        ConnectCallback = (context, ct) => ConnectAsync(resolver, options, context.DnsEndPoint, ct),
    };

    private static async ValueTask<Stream> ConnectAsync(IHostResolver resolver, OutboundOptions options, DnsEndPoint endpoint, CancellationToken ct)
    {
        var addresses = OutboundUrls.AddressOf(endpoint.Host) is { } literal ? [literal] : await resolver.ResolveAsync(endpoint.Host, ct);
        if (addresses.Length == 0) throw new HttpRequestException($"{endpoint.Host} does not resolve.");
        // Every address the name has must be public: a name that answers one public and one private address is a rebinding trick.
        foreach (var address in addresses)
            if (OutboundAddresses.RefusalOf(address, options.AllowLoopback) is { } rule)
                throw new OutboundRefusedException(OutboundUrls.AddressRefusal(rule));
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, endpoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
