using System.Reflection;
using System.Security.Claims;

namespace Hearth.Functions.Identity;

/// <summary>
/// The signed-in user of a request. Take it as an endpoint parameter (<c>static Task&lt;…&gt; Get(CurrentUser user, …)</c>):
/// it binds from the authenticated principal, and an unauthenticated request gets 401. Owned rows carry <see cref="Id"/>.
/// </summary>
/// <param name="Id">The user's id (a UUID as text).</param>
/// <param name="Subject">The token subject.</param>
/// <param name="IsAdmin">Admin by token role, by Auth:AdminSubjects, or the dev token.</param>
/// <param name="TimeZone">IANA time zone name.</param>
public sealed record CurrentUser(string Id, string Subject, string DisplayName, bool IsAdmin, string TimeZone)
{
    /// <summary>Minimal API binding.</summary>
    public static ValueTask<CurrentUser?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        ValueTask.FromResult<CurrentUser?>(From(context.User) ?? throw new UnauthenticatedException());

    /// <summary>The user of a principal, or null when it is not authenticated by Hearth.</summary>
    public static CurrentUser? From(ClaimsPrincipal principal)
    {
        if (principal.Identity?.IsAuthenticated != true || principal.FindFirstValue(HearthClaims.UserId) is not { } id) return null;
        return new CurrentUser(
            id,
            principal.FindFirstValue(HearthClaims.Subject) ?? "",
            principal.FindFirstValue(HearthClaims.Name) ?? "",
            principal.HasClaim(HearthClaims.Admin, "true"),
            principal.FindFirstValue(HearthClaims.TimeZone) ?? "UTC");
    }

    /// <summary>The owner filter for this user: null for an admin (sees everything), else their id.</summary>
    public string? OwnerFilter => IsAdmin ? null : Id;
}

/// <summary>Claim types of Hearth's principals.</summary>
public static class HearthClaims
{
    public const string Subject = "sub";
    public const string UserId = "hearth:user_id";
    public const string Name = "name";
    public const string Admin = "hearth:admin";
    public const string TimeZone = "hearth:time_zone";
}

/// <summary>Authorization policy names.</summary>
public static class AuthorizationPolicies
{
    /// <summary>Admins only: 401 without a token, 403 for other users.</summary>
    public const string Admin = "admin";

    /// <summary>Requires an admin on this endpoint or group.</summary>
    public static TBuilder RequireAdmin<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(Admin);
}
