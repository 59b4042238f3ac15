namespace Hearth.Functions.Status;

/// <summary>Registers <c>/api/status</c>'s services and the host's own providers (authentication, database).</summary>
public static class StatusModule
{
    public static IHostApplicationBuilder AddStatus(this IHostApplicationBuilder builder)
    {
        builder.Services.AddStatusContributor<HostProviders.Auth>();
        builder.Services.AddStatusContributor<HostProviders.Database>();
        return builder;
    }
}

/// <summary>The host's own providers.</summary>
internal static class HostProviders
{
    /// <summary>How tokens are verified: "dev", "jwt-hs256", "jwt-jwks".</summary>
    internal sealed class Auth(BearerTokens tokens) : IStatusContributor
    {
        public string Name => "auth";

        public Task<object?> DescribeAsync(CancellationToken ct) => Task.FromResult<object?>(new { modes = tokens.Modes });
    }

    /// <summary>Embedded cluster or external server (host name only).</summary>
    internal sealed class Database(PostgresConnection connection) : IStatusContributor
    {
        public string Name => "database";

        public Task<object?> DescribeAsync(CancellationToken ct) =>
            Task.FromResult<object?>(connection.IsEmbedded
                ? new { kind = "embedded", host = connection.Host }
                : new { kind = "external", host = connection.Host });
    }
}
