using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Hearth.Functions.Hosting;

/// <summary>
/// What a newcomer needs after <c>./run</c>, printed once the host listens (Development only): where to open the app,
/// how to sign in, and where the data lives. Plain lines on standard output, before the log lines that follow.
/// </summary>
public sealed class StartBanner(IServer server, PostgresConnection database) : IHostedLifecycleService
{
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        Console.Out.Write(Text(addresses, database));
        Console.Out.Flush();
        return Task.CompletedTask;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The banner for these listening addresses and this database.</summary>
    public static string Text(IEnumerable<string> addresses, PostgresConnection database)
    {
        var url = addresses.Select(Browsable).FirstOrDefault() ?? "http://localhost:7071";
        var data = database.DataDirectory is { } folder
            ? $"PostgreSQL embedded in {folder} (HEARTH_DATA_DIR moves it; delete the folder to start afresh)"
            : $"PostgreSQL at {database.Host} (ConnectionStrings:Postgres)";
        return $"""

            Hearth is ready (Development).
              Chat:     {url}/
              Admin:    {url}/admin
              API:      {url}/openapi/v1.json
              Sign in:  the pages use the dev token (Auth:DevToken, "dev" unless you set it); API calls send
                        "Authorization: Bearer <token>"; "<token>:alice" (e.g. "dev:alice") is another user, alice.
              Data:     {data}
              Stop:     Ctrl-C

            """;
    }

    /// <summary>A wildcard listening address (http://[::]:7071, http://0.0.0.0:7071, http://+:7071) as a browser opens it.</summary>
    private static string Browsable(string address)
    {
        var uri = new UriBuilder(address.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal));
        if (uri.Host is "[::]" or "::" or "0.0.0.0") uri.Host = "localhost";
        return uri.Uri.GetLeftPart(UriPartial.Authority);
    }
}
