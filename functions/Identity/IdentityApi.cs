using Hearth.Companions;
using Hearth.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Hearth.Functions.Identity;

/// <summary><c>/api/me</c>: who the caller is, and their profile (display name, time zone).</summary>
public static class IdentityApi
{
    public static IEndpointRouteBuilder MapIdentityApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/me").WithTags("Identity");
        api.MapGet("/", GetMe).WithName("GetMe").WithSummary("The signed-in user.");
        api.MapPatch("/", UpdateMe).WithName("UpdateMe").WithSummary("Changes the signed-in user's display name or time zone.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapDelete("/", DeleteMe).WithName("DeleteMe")
            .WithSummary("Deletes the caller's account and everything of theirs: at once the user and every companion; then, in a durable job, memories, documents, skills, pictures, notifications, orchestrations and the archive copy. 202 with the deletion's statusUrl (readable with the same token).");
        return app;
    }

    /// <summary>A user as the API shows it.</summary>
    public sealed record UserResponse(string Id, string Subject, string DisplayName, bool IsAdmin, string TimeZone, DateTimeOffset CreatedAt)
    {
        public static UserResponse From(User user, bool isAdmin) =>
            new(user.Id, user.Subject, user.DisplayName, isAdmin, user.TimeZone, user.CreatedAt);
    }

    /// <summary>Profile fields to change; omitted fields stay.</summary>
    public sealed record UpdateMeRequest(string? DisplayName, string? TimeZone);

    public static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> GetMe(CurrentUser user, IUserStore users, CancellationToken ct)
    {
        var stored = await users.FindAsync(user.Id, ct);
        return stored is null ? Problems.NotFound("user") : TypedResults.Ok(UserResponse.From(stored, user.IsAdmin));
    }

    public static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> UpdateMe(
        UpdateMeRequest request, CurrentUser user, IUserStore users, UserDirectory directory, CancellationToken ct)
    {
        if (request.DisplayName is { } name && name.Trim().Length is 0 or > 200)
            return Problems.Validation(("displayName", "must be 1-200 characters"));
        if (request.TimeZone is { } zone && !TimeZones.IsKnown(zone))
            return Problems.Validation(("timeZone", $"'{zone}' is not an IANA time zone name such as 'Europe/Paris'"));
        var updated = await users.UpdateProfileAsync(user.Id, new ProfileChange(request.DisplayName, request.TimeZone), ct);
        directory.Forget(user.Subject);
        return updated is null ? Problems.NotFound("user") : TypedResults.Ok(UserResponse.From(updated, user.IsAdmin));
    }

    public static async Task<Accepted<AcceptedResponse>> DeleteMe(CurrentUser user, CompanionDeletion deletion, UserDirectory directory, CancellationToken ct)
    {
        var started = await deletion.RequestAccountAsync(user.Id, user.Subject, ct);
        directory.Forget(user.Subject);
        var url = $"/api/deletions/{started.Id}";
        return TypedResults.Accepted(url, new AcceptedResponse(started.Id, url));
    }
}
