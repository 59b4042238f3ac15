using System.Collections.Concurrent;
using Hearth.Identity;

namespace Hearth.Functions.Identity;

/// <summary>Signs users in by subject through <see cref="IUserStore"/>, remembering them for a minute so most requests skip the database.</summary>
public sealed class UserDirectory(IUserStore store, TimeProvider time)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);
    private const int MaxEntries = 10_000;
    private readonly ConcurrentDictionary<string, (User User, DateTimeOffset Until)> _recent = new(StringComparer.Ordinal);

    public async Task<User> SignInAsync(UserSighting sighting, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (_recent.TryGetValue(sighting.Subject, out var entry) && entry.Until > now && entry.User.IsAdmin == sighting.IsAdmin)
            return entry.User;
        var user = await store.SignInAsync(sighting, ct);
        if (_recent.Count >= MaxEntries) _recent.Clear();
        _recent[sighting.Subject] = (user, now + Lifetime);
        return user;
    }

    /// <summary>Drops the remembered user after a profile change.</summary>
    public void Forget(string subject) => _recent.TryRemove(subject, out _);
}
