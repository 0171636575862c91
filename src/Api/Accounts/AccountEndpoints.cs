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
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herenow.Api.Accounts;

public static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder routes)
    {
        var accounts = routes.MapGroup("/api/v1/accounts").WithTags("Accounts");
        accounts.MapPost("/", CreateAccount)
            .Accepts<CreateAccountRequest>("application/json");
        accounts.MapGet("/me", GetMe).RequireAuthorization();
        // IResult and .Produces kept: AtprotoLinking answers its own problems (422, 503) as IResult.
        accounts.MapPatch("/me", UpdateMe).RequireAuthorization().Produces<MeResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        // IResult and .Produces kept: five outcomes (202, 403, 404, 422, 429) are unreadable as a union.
        accounts.MapDelete("/me", DeleteMe).RequireAuthorization()
            .Accepts<DeleteAccountRequest>("application/json")
            .Produces<AccountDeletionResponse>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        accounts.MapGet("/{username}", GetAccount);
        accounts.MapPost("/{username}/follow", Follow).RequireAuthorization();
        accounts.MapDelete("/{username}/follow", Unfollow).RequireAuthorization();
        accounts.MapPost("/{username}/block", Block).RequireAuthorization();
        accounts.MapDelete("/{username}/block", Unblock).RequireAuthorization();
        accounts.MapGet("/{username}/followers", (string username, HttpContext c, IGrainFactory g) => Edges(username, c, g, followers: true));
        accounts.MapGet("/{username}/following", (string username, HttpContext c, IGrainFactory g) => Edges(username, c, g, followers: false));
        accounts.MapGet("/{username}/checkins", History);
        return routes;
    }

    private static async Task<Results<Created<AccountResponse>, FieldErrorsProblem, ConflictProblem>> CreateAccount(
        CreateAccountRequest request, IGrainFactory grains, PasswordHashing passwords)
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
            return TypedResults.Created($"/api/v1/accounts/{created.Username}", AccountResponse.From(created));
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
            return Problem.Forbidden("The password is wrong.");
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
    private static async Task<Results<Ok<AccountResponse>, NotFoundProblem, GoneProblem>> GetAccount(string username, ClaimsPrincipal user,
        IGrainFactory grains, RemoteAccounts remote, CancellationToken cancellationToken)
    {
        if (RemoteAccounts.IsRemote(username))
        {
            return await remote.FindAsync(username, cancellationToken) is { } actor
                ? TypedResults.Ok(RemoteAccounts.View(actor))
                : Problem.NotFound($"No fediverse account '{username}' could be found.");
        }
        if (await VisibleAccount(username, user.Caller(), grains) is { } account)
        {
            return TypedResults.Ok(AccountResponse.From(account));
        }
        // Gone rather than not found: clients and servers holding the name should drop what they cached.
        return AccountRules.IsValidUsername(username) && await grains.GetGrain<IUserGrain>(AccountRules.Key(username)).GetDeletion() is not null
            ? Problem.Gone($"The account '{username}' was deleted.")
            : Problem.NotFound($"No account '{username}'.");
    }

    private static Task<Results<Ok<MeResponse>, NotFoundProblem>> GetMe(ClaimsPrincipal user, IGrainFactory grains,
        AtprotoAccounts atproto) => Me(user.Caller()!, grains, atproto);

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

    private static async Task<Results<Ok<MeResponse>, NotFoundProblem>> Me(string caller, IGrainFactory grains, AtprotoAccounts atproto)
    {
        var grain = grains.GetGrain<IUserGrain>(caller);
        var account = await grain.GetAccount(caller);
        var settings = await grain.GetSettings();
        return account is null || settings is null
            ? Problem.NotFound("The account no longer exists.")
            : TypedResults.Ok(MeResponse.From(account, settings, await atproto.GetAsync(caller)));
    }

    private static async Task<Results<Ok<FollowState>, NotFoundProblem, FieldErrorsProblem, ForbiddenProblem>> Follow(string username,
        ClaimsPrincipal user, IGrainFactory grains, RemoteAccounts remote, CancellationToken cancellationToken)
    {
        if (RemoteAccounts.IsRemote(username))
        {
            return await remote.FollowAsync(user.Caller()!, username, cancellationToken) is null
                ? Problem.NotFound($"No fediverse account '{username}' could be found.")
                : TypedResults.Ok(new FollowState(true));
        }
        if (await VisibleAccount(username, user.Caller(), grains) is null) return Problem.NotFound($"No account '{username}'.");
        return await grains.GetGrain<IUserGrain>(user.Caller()!).Follow(AccountRules.Key(username)) switch
        {
            FollowOutcome.Following => TypedResults.Ok(new FollowState(true)),
            FollowOutcome.Self => new FieldErrorsBuilder("username", "you cannot follow yourself").Result,
            FollowOutcome.Blocked => Problem.Forbidden("A block stands between these accounts."),
            _ => Problem.NotFound($"No account '{username}'."),
        };
    }

    private static async Task<Results<Ok<FollowState>, NotFoundProblem>> Unfollow(string username, ClaimsPrincipal user,
        IGrainFactory grains, RemoteAccounts remote, CancellationToken cancellationToken)
    {
        if (RemoteAccounts.IsRemote(username))
        {
            if (!await remote.UnfollowAsync(user.Caller()!, username, cancellationToken))
            {
                return Problem.NotFound($"No fediverse account '{username}' could be found.");
            }
            await grains.GetGrain<IFeedGrain>(user.Caller()!).Unfollowed(username.TrimStart('@')); // their posts leave the home feed now
            return TypedResults.Ok(new FollowState(false));
        }
        if (!AccountRules.IsValidUsername(username)) return Problem.NotFound($"No account '{username}'.");
        await grains.GetGrain<IUserGrain>(user.Caller()!).Unfollow(AccountRules.Key(username));
        return TypedResults.Ok(new FollowState(false));
    }

    private static async Task<Results<Ok<BlockState>, NotFoundProblem, FieldErrorsProblem>> Block(string username, ClaimsPrincipal user,
        IGrainFactory grains)
    {
        if (!AccountRules.IsValidUsername(username) ||
            !(await grains.GetGrain<IUserGrain>(AccountRules.Key(username)).GetRelationship(user.Caller())).Exists)
        {
            return Problem.NotFound($"No account '{username}'.");
        }
        if (AccountRules.Key(username) == user.Caller()) return new FieldErrorsBuilder("username", "you cannot block yourself").Result;
        await grains.GetGrain<IUserGrain>(user.Caller()!).Block(AccountRules.Key(username));
        return TypedResults.Ok(new BlockState(true));
    }

    private static async Task<Results<Ok<BlockState>, NotFoundProblem>> Unblock(string username, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (!AccountRules.IsValidUsername(username)) return Problem.NotFound($"No account '{username}'.");
        await grains.GetGrain<IUserGrain>(user.Caller()!).Unblock(AccountRules.Key(username));
        return TypedResults.Ok(new BlockState(false));
    }

    private static async Task<Results<Ok<IEnumerable<AccountResponse>>, NotFoundProblem, FieldErrorsProblem>> Edges(string username,
        HttpContext context, IGrainFactory grains, bool followers)
    {
        var caller = context.User.Caller();
        if (await VisibleAccount(username, caller, grains) is null) return Problem.NotFound($"No account '{username}'.");
        var errors = new FieldErrors();
        if (Paging.Read(context.Request, errors) is not { } page) return errors.ToResult();
        var grain = grains.GetGrain<IUserGrain>(AccountRules.Key(username));
        var edges = followers ? await grain.GetFollowers(page) : await grain.GetFollowing(page);
        Paging.WriteLink(context, edges, e => e.Id);
        var accounts = await Task.WhenAll(edges.Select(e => grains.GetGrain<IUserGrain>(e.Username).GetAccount(caller)));
        return TypedResults.Ok(accounts.Where(a => a is not null).Select(a => AccountResponse.From(a!)));
    }

    /// <summary>One call: the author's grain returns the finished page (docs/adr/0027-feeds-as-caches.md).</summary>
    private static async Task<Results<Ok<List<CheckinResponse>>, NotFoundProblem, FieldErrorsProblem>> History(string username,
        HttpContext context, IGrainFactory grains, CheckinResponses responses)
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
        return TypedResults.Ok(responses.Render(history.Items));
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

    public FieldErrorsProblem Result { get; }
}

/// <summary>The body of a follow or unfollow: <c>{"following": true}</c>.</summary>
public sealed record FollowState(bool Following);

/// <summary>The body of a block or unblock: <c>{"blocking": true}</c>.</summary>
public sealed record BlockState(bool Blocking);
