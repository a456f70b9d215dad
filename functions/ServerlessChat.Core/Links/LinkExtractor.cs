namespace ServerlessChat.Core.Links;

/// <summary>The first <c>http</c>/<c>https</c> URLs of a message's text, in order, each once.</summary>
public static class LinkExtractor
{
    public const int MaxLinks = 3;

    public const int MaxUrlLength = 2048;

    // Sentence punctuation that ends a URL written in running text rather than belonging to it.
    private static readonly char[] Trailing = ['.', ',', ';', ':', '!', '?', '\'', '"', '>', ']', '}', '*', '_'];

    public static IReadOnlyList<Uri> Find(string content)
    {
        var found = new List<Uri>();
        if (!content.Contains("http", StringComparison.OrdinalIgnoreCase))
        {
            return found;
        }

        foreach (var token in content.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            var start = IndexOfScheme(token);
            if (start < 0)
            {
                continue;
            }

            var candidate = TrimEnd(token[start..]);
            if (candidate.Length <= MaxUrlLength
                && Uri.TryCreate(candidate, UriKind.Absolute, out var uri)
                && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
                && uri.Host.Length > 0
                && uri.UserInfo.Length == 0
                && !found.Contains(uri))
            {
                found.Add(uri);
                if (found.Count == MaxLinks)
                {
                    break;
                }
            }
        }

        return found;
    }

    private static int IndexOfScheme(string token)
    {
        var https = token.IndexOf("https://", StringComparison.OrdinalIgnoreCase);
        var http = token.IndexOf("http://", StringComparison.OrdinalIgnoreCase);
        return https < 0 ? http : http < 0 ? https : Math.Min(http, https);
    }

    private static string TrimEnd(string candidate)
    {
        while (candidate.Length > 0)
        {
            var last = candidate[^1];
            // A closing parenthesis belongs to the URL only when it opened one (Wikipedia's "Foo_(bar)").
            if (last == ')' ? candidate.Count(c => c == '(') >= candidate.Count(c => c == ')') : Array.IndexOf(Trailing, last) < 0)
            {
                break;
            }
            candidate = candidate[..^1];
        }
        return candidate;
    }
}
