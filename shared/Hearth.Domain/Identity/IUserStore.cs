namespace Hearth.Identity;

/// <summary>The users store (schema <c>identity</c>).</summary>
public interface IUserStore
{
    /// <summary>
    /// The user with this subject, created on first sight with the sighting's name and zone. When the sighting's admin
    /// flag differs from the stored one, the stored one follows the token.
    /// </summary>
    Task<User> SignInAsync(UserSighting sighting, CancellationToken ct = default);

    Task<User?> FindAsync(string id, CancellationToken ct = default);

    Task<User?> FindBySubjectAsync(string subject, CancellationToken ct = default);

    /// <summary>Applies a profile change; null when no such user. Throws <see cref="ArgumentException"/> naming the bad field.</summary>
    Task<User?> UpdateProfileAsync(string id, ProfileChange change, CancellationToken ct = default);
}
