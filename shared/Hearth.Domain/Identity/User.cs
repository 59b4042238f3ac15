namespace Hearth.Identity;

/// <summary>A person using Hearth; created the first time a token with their subject is seen.</summary>
/// <param name="Id">Stable id (a UUID as text); owned rows carry it.</param>
/// <param name="Subject">The token subject (<c>sub</c>) this user signs in with.</param>
/// <param name="TimeZone">IANA time zone name, "UTC" until the user sets one.</param>
public sealed record User(string Id, string Subject, string DisplayName, bool IsAdmin, string TimeZone, DateTimeOffset CreatedAt);

/// <summary>What a verified token says about its bearer.</summary>
/// <param name="DisplayName">Name for a new user (token <c>name</c>); the subject when null.</param>
/// <param name="IsAdmin">Whether the token (or configuration) makes this user an admin now.</param>
/// <param name="TimeZone">IANA zone for a new user (token <c>zoneinfo</c>); ignored when not a known zone.</param>
public sealed record UserSighting(string Subject, string? DisplayName, bool IsAdmin, string? TimeZone = null);

/// <summary>Changes a user makes to their own profile; null fields stay as they are.</summary>
public sealed record ProfileChange(string? DisplayName = null, string? TimeZone = null);
