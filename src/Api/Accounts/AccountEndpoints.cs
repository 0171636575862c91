using Herenow.Api.Problems;
using Herenow.Grains.Accounts;

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
        accounts.MapGet("/{username}", GetAccount)
            .Produces<AccountResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
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
        return created is null
            ? Problem.Conflict($"The username '{username}' is taken.")
            : Results.Created($"/api/v1/accounts/{created.Username}", AccountResponse.From(created));
    }

    private static async Task<IResult> GetAccount(string username, IGrainFactory grains)
    {
        var account = AccountRules.IsValidUsername(username)
            ? await grains.GetGrain<IUserGrain>(AccountRules.Key(username)).GetAccount()
            : null;
        return account is null
            ? Problem.NotFound($"No account '{username}'.")
            : Results.Ok(AccountResponse.From(account));
    }
}
