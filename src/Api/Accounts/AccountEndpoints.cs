using System.Security.Claims;
using Herenow.Api.Checkins;
using Herenow.Api.Common;
using Herenow.Api.Federation;
using Herenow.Api.Problems;
using Herenow.Api.Security;
using Herenow.Api.Sessions;
using Herenow.Grains.Accounts;
using Herenow.Grains.Feeds;
using Herenow.Grains.Accounts.Deletion;
using Herenow.Grains.Checkins;
using Microsoft.AspNetCore.Mvc;
using Herenow.Grains.Common;
using Herenow.Grains.Federation.Atproto;

namespace Herenow.Api.Accounts;

public static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder routes)
    {
        var accounts = routes.MapGroup("/api/v1/accounts").WithTags("Accounts");
        accounts.MapPost("/", CreateAccount)
            .Accepts<CreateAccountRequest>("application/json")
            .Produces<AccountResponse>(StatusCodes.Status201Created)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status409Conflict);
        accounts.MapGet("/me", GetMe).RequireAuthorization().Produces<MeResponse>();
        accounts.MapPatch("/me", UpdateMe).RequireAuthorization().Produces<MeResponse>();
        accounts.MapDelete("/me", DeleteMe).RequireAuthorization()
            .Accepts<DeleteAccountRequest>("application/json")
            .Produces<AccountDeletionResponse>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);
        accounts.MapGet("/{username}", GetAccount)
            .Produces<AccountResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status410Gone);
        accounts.MapPost("/{username}/follow", Follow).RequireAuthorization();
        accounts.MapDelete("/{username}/follow", Unfollow).RequireAuthorization();
        accounts.MapPost("/{username}/block", Block).RequireAuthorization();
        accounts.MapDelete("/{username}/block", Unblock).RequireAuthorization();
        accounts.MapGet("/{username}/followers", (string username, HttpContext c, IGrainFactory g) => Edges(username, c, g, followers: true));
        accounts.MapGet("/{username}/following", (string username, HttpContext c, IGrainFactory g) => Edges(username, c, g, followers: false));
        accounts.MapGet("/{username}/checkins", History).Produces<List<CheckinResponse>>();
        return routes;
    }

    private static async Task<IResult> CreateAccount(CreateAccountRequest request, IGrainFactory grains, PasswordHashing passwords)
    {
        var errors = AccountRules.Validate(request);
        if (errors.Any)
        {
            return errors.ToResult();
        }

        var username = request.Username!;
        var user = grains.GetGrain<IUserGrain>(AccountRules.Key(username));
        var displayName = string.IsNullOrWhiteSpace(request.DisplayName) ? username : request.DisplayName.Trim();
        var created = await user.Register(new NewAccount(username, displayName, passwords.Hash(request.Password!)));
        if (created is not null)
        {
            return Results.Created($"/api/v1/accounts/{created.Username}", AccountResponse.From(created));
        }
        return await user.GetDeletion() is { } deleted
            ? Problem.Conflict(deleted.NameReservedUntil is { } until
                ? $"The username '{username}' belonged to a deleted account; it can be registered again after {until:yyyy-MM-dd'T'HH:mm:ss'Z'}."
                : $"The username '{username}' belongs to an account being deleted.")
            : Problem.Conflict($"The username '{username}' is taken.");
    }

    /// <summary>
    /// Starts the deletion saga (docs/adr/0020-account-deletion.md). 202: the request is durable and the account locked
    /// (sessions, profile, sign-in); the data, the federated copies and the AT records go in the background.
    /// </summary>
    private static async Task<IResult> DeleteMe([FromBody] DeleteAccountRequest? request, ClaimsPrincipal user, IGrainFactory grains, PasswordHashing passwords,
        LoginThrottle throttle, SessionCache sessions, HttpContext http)
    {
        if (string.IsNullOrEmpty(request?.Password))
        {
            return new FieldErrorsBuilder("password", "is required: deleting an account asks for its password again").Result;
        }
        var caller = user.Caller()!;
        // The same budget as signing in: a stolen token must not turn this into a way to guess the password.
        var attempt = LoginThrottle.Key(caller, http.Connection.RemoteIpAddress);
        if (throttle.TryBegin(attempt) is { } wait)
        {
            return LoginThrottle.TooMany(http, wait);
        }
        var grain = grains.GetGrain<IUserGrain>(caller);
        var hash = await grain.GetPasswordHash();
        var account = await grain.GetAccount(caller);
        if (hash is null || account is null)
        {
            return Problem.NotFound("The account no longer exists.");
        }
        if (request.Password.Length > AccountRules.MaxPasswordLength || !passwords.Verify(hash, request.Password))
        {
            throttle.Failed(attempt);
            return Results.Problem(title: "Forbidden", detail: "The password is wrong.", statusCode: StatusCodes.Status403Forbidden);
        }
        throttle.Succeeded(attempt);
        var status = await grains.GetGrain<IAccountDeletionGrain>(account.Id).Start(caller);
        // The account's listed sessions are revoked by now; this process forgets every token of it it remembered
        // (unlisted ones included). Other API instances learn within Herenow:Sessions:Cache:Lifetime.
        sessions.EvictAccount(caller);
        return Results.Accepted($"/api/v1/accounts/{account.Username}",
            new AccountDeletionResponse(account.Username, "deleting", status.RequestedAt));
    }

    /// <summary>404 for unknown accounts and for accounts that block the caller: a blocked user sees nothing.</summary>
    private static async Task<IResult> GetAccount(string username, ClaimsPrincipal user, IGrainFactory grains, RemoteAccounts remote, CancellationToken cancellationToken)
    {
        if (RemoteAccounts.IsRemote(username))
        {
            return await remote.FindAsync(username, cancellationToken) is { } actor
                ? Results.Ok(RemoteAccounts.View(actor))
                : Problem.NotFound($"No fediverse account '{username}' could be found.");
        }
        if (await VisibleAccount(username, user.Caller(), grains) is { } account)
        {
            return Results.Ok(AccountResponse.From(account));
        }
        // Gone rather than not found: clients and servers holding the name should drop what they cached.
        return AccountRules.IsValidUsername(username) && await grains.GetGrain<IUserGrain>(AccountRules.Key(username)).GetDeletion() is not null
            ? Problem.Gone($"The account '{username}' was deleted.")
            : Problem.NotFound($"No account '{username}'.");
    }

    private static async Task<IResult> GetMe(ClaimsPrincipal user, IGrainFactory grains, AtprotoAccounts atproto) => await Me(user.Caller()!, grains, atproto);

    private static async Task<IResult> UpdateMe(UpdateMeRequest request, ClaimsPrincipal user, IGrainFactory grains, AtprotoLinking linking,
        AtprotoAccounts atproto, CancellationToken cancellationToken)
    {
        var errors = AccountRules.Validate(request, out var update);
        if (errors.Any) return errors.ToResult();
        // Linking first: when the PDS refuses, nothing else in the request is applied either.
        if (request.Federation is { } federation)
        {
            var link = AtprotoLinking.Read(federation.Atproto, errors, out var unlink);
            if (link is not null && await linking.LinkAsync(user.Caller()!, link, cancellationToken) is { } problem) return problem;
            if (unlink) await linking.UnlinkAsync(user.Caller()!);
        }
        await grains.GetGrain<IUserGrain>(user.Caller()!).UpdateProfile(update);
        return await Me(user.Caller()!, grains, atproto);
    }

    private static async Task<IResult> Me(string caller, IGrainFactory grains, AtprotoAccounts atproto)
    {
        var grain = grains.GetGrain<IUserGrain>(caller);
        var account = await grain.GetAccount(caller);
        var settings = await grain.GetSettings();
        return account is null || settings is null
            ? Problem.NotFound("The account no longer exists.")
            : Results.Ok(MeResponse.From(account, settings, await atproto.GetAsync(caller)));
    }

    private static async Task<IResult> Follow(string username, ClaimsPrincipal user, IGrainFactory grains, RemoteAccounts remote, CancellationToken cancellationToken)
    {
        if (RemoteAccounts.IsRemote(username))
        {
            return await remote.FollowAsync(user.Caller()!, username, cancellationToken) is null
                ? Problem.NotFound($"No fediverse account '{username}' could be found.")
                : Results.Ok(new { following = true });
        }
        if (await VisibleAccount(username, user.Caller(), grains) is null) return Problem.NotFound($"No account '{username}'.");
        return await grains.GetGrain<IUserGrain>(user.Caller()!).Follow(AccountRules.Key(username)) switch
        {
            FollowOutcome.Following => Results.Ok(new { following = true }),
            FollowOutcome.Self => new FieldErrorsBuilder("username", "you cannot follow yourself").Result,
            FollowOutcome.Blocked => Results.Problem(title: "Forbidden", detail: "A block stands between these accounts.", statusCode: 403),
            _ => Problem.NotFound($"No account '{username}'."),
        };
    }

    private static async Task<IResult> Unfollow(string username, ClaimsPrincipal user, IGrainFactory grains, RemoteAccounts remote, CancellationToken cancellationToken)
    {
        if (RemoteAccounts.IsRemote(username))
        {
            if (!await remote.UnfollowAsync(user.Caller()!, username, cancellationToken))
            {
                return Problem.NotFound($"No fediverse account '{username}' could be found.");
            }
            await grains.GetGrain<IFeedGrain>(user.Caller()!).Unfollowed(username.TrimStart('@')); // their posts leave the home feed now
            return Results.Ok(new { following = false });
        }
        if (!AccountRules.IsValidUsername(username)) return Problem.NotFound($"No account '{username}'.");
        await grains.GetGrain<IUserGrain>(user.Caller()!).Unfollow(AccountRules.Key(username));
        return Results.Ok(new { following = false });
    }

    private static async Task<IResult> Block(string username, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (!AccountRules.IsValidUsername(username) ||
            !(await grains.GetGrain<IUserGrain>(AccountRules.Key(username)).GetRelationship(user.Caller())).Exists)
        {
            return Problem.NotFound($"No account '{username}'.");
        }
        if (AccountRules.Key(username) == user.Caller()) return new FieldErrorsBuilder("username", "you cannot block yourself").Result;
        await grains.GetGrain<IUserGrain>(user.Caller()!).Block(AccountRules.Key(username));
        return Results.Ok(new { blocking = true });
    }

    private static async Task<IResult> Unblock(string username, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (!AccountRules.IsValidUsername(username)) return Problem.NotFound($"No account '{username}'.");
        await grains.GetGrain<IUserGrain>(user.Caller()!).Unblock(AccountRules.Key(username));
        return Results.Ok(new { blocking = false });
    }

    private static async Task<IResult> Edges(string username, HttpContext context, IGrainFactory grains, bool followers)
    {
        var caller = context.User.Caller();
        if (await VisibleAccount(username, caller, grains) is null) return Problem.NotFound($"No account '{username}'.");
        var errors = new FieldErrors();
        if (Paging.Read(context.Request, errors) is not { } page) return errors.ToResult();
        var grain = grains.GetGrain<IUserGrain>(AccountRules.Key(username));
        var edges = followers ? await grain.GetFollowers(page) : await grain.GetFollowing(page);
        Paging.WriteLink(context, edges, e => e.Id);
        var accounts = await Task.WhenAll(edges.Select(e => grains.GetGrain<IUserGrain>(e.Username).GetAccount(caller)));
        return Results.Ok(accounts.Where(a => a is not null).Select(a => AccountResponse.From(a!)));
    }

    /// <summary>One call: the author's grain returns the finished page (docs/adr/0027-feeds-as-caches.md).</summary>
    private static async Task<IResult> History(string username, HttpContext context, IGrainFactory grains, CheckinViews views)
    {
        var caller = context.User.Caller();
        if (!AccountRules.IsValidUsername(username)) return Problem.NotFound($"No account '{username}'.");
        var errors = new FieldErrors();
        if (Paging.Read(context.Request, errors) is not { } page) return errors.ToResult();
        if (await grains.GetGrain<IUserGrain>(AccountRules.Key(username)).GetHistoryView(page, caller) is not { } history)
        {
            return Problem.NotFound($"No account '{username}'.");
        }
        Paging.WriteLink(context, history.NewestId, history.OldestId);
        return Results.Ok(views.Render(history.Items));
    }

    private static async Task<AccountView?> VisibleAccount(string username, string? viewer, IGrainFactory grains)
    {
        if (!AccountRules.IsValidUsername(username)) return null;
        var grain = grains.GetGrain<IUserGrain>(AccountRules.Key(username));
        var relationship = await grain.GetRelationship(viewer);
        return CheckinVisibility.MaySeeAuthor(relationship) ? await grain.GetAccount(viewer) : null;
    }
}

/// <summary>A one-field 422 problem.</summary>
public sealed class FieldErrorsBuilder
{
    public FieldErrorsBuilder(string field, string message)
    {
        var errors = new FieldErrors();
        errors.Add(field, message);
        Result = errors.ToResult();
    }

    public IResult Result { get; }
}
