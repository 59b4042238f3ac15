using System.Net.Sockets;
using Hearth.Identity;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Hearth.Functions.Tests.Support;

/// <summary>The real users store, except for two subjects: one whose sign-in hits a bug, one whose sign-in finds the database down.</summary>
public sealed class FailingUserStore(IUserStore inner) : IUserStore
{
    public const string ExplodingSubject = "explodes";
    public const string DatabaseDownSubject = "database-down";
    public const string InternalDetail = "internal detail: table identity.users at 10.0.0.5";

    public static void Decorate(IServiceCollection services)
    {
        var original = services.Single(d => d.ServiceType == typeof(IUserStore));
        services.Remove(original);
        services.AddSingleton<IUserStore>(sp => new FailingUserStore((IUserStore)ActivatorUtilities.CreateInstance(sp, original.ImplementationType!)));
    }

    public Task<User> SignInAsync(UserSighting sighting, CancellationToken ct = default) => sighting.Subject switch
    {
        ExplodingSubject => throw new InvalidOperationException(InternalDetail),
        DatabaseDownSubject => throw new NpgsqlException(InternalDetail, new SocketException((int)SocketError.ConnectionRefused)),
        _ => inner.SignInAsync(sighting, ct),
    };

    public Task<User?> FindAsync(string id, CancellationToken ct = default) => inner.FindAsync(id, ct);

    public Task<User?> FindBySubjectAsync(string subject, CancellationToken ct = default) => inner.FindBySubjectAsync(subject, ct);

    public Task<User?> UpdateProfileAsync(string id, ProfileChange change, CancellationToken ct = default) => inner.UpdateProfileAsync(id, change, ct);
}
