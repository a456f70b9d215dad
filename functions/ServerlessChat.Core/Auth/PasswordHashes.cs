namespace ServerlessChat.Core.Auth;

/// <summary>Checks a password against a stored BCrypt hash; a malformed hash is a mismatch, never an error.</summary>
public static class PasswordHashes
{
    public static bool Verify(string password, string hash)
    {
        try
        {
            return BCrypt.Net.BCrypt.Verify(password, hash);
        }
        catch (BCrypt.Net.SaltParseException)
        {
            return false;
        }
    }
}
