namespace ServerlessChat.Core.Domain;

/// <summary>
/// Users without an email address (made by the server API or an external identity) still need a unique one in
/// the store: theirs is under the .invalid top-level domain, which can never receive mail, and is never shown.
/// </summary>
public static class UserEmails
{
    private const string PlaceholderDomain = "@users.invalid";

    public static string Placeholder(string userId) => userId + PlaceholderDomain;

    public static bool IsPlaceholder(string email) => email.EndsWith(PlaceholderDomain, StringComparison.OrdinalIgnoreCase);
}
