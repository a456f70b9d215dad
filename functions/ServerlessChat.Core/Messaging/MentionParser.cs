namespace ServerlessChat.Core.Messaging;

/// <summary>
/// Finds "@username" of group members in a message: ignoring case, the character after the name not a letter,
/// digit or '_', the longest matching member name at each '@', never the sender.
/// </summary>
public static class MentionParser
{
    public static IReadOnlyList<string> Find(string content, IReadOnlyList<(string Id, string Username)> members, string senderId)
    {
        if (members.Count == 0 || !content.Contains('@'))
        {
            return [];
        }

        var found = new List<string>();
        for (var at = content.IndexOf('@'); at >= 0; at = content.IndexOf('@', at + 1))
        {
            var start = at + 1;
            (string Id, string Username)? best = null;
            foreach (var member in members)
            {
                var name = member.Username;
                if (name.Length > content.Length - start
                    || (best is { } current && current.Username.Length >= name.Length)
                    || string.Compare(content, start, name, 0, name.Length, StringComparison.OrdinalIgnoreCase) != 0)
                {
                    continue;
                }

                var after = start + name.Length;
                if (after < content.Length && (char.IsLetterOrDigit(content, after) || content[after] == '_'))
                {
                    continue;
                }

                best = member;
            }

            if (best is { } match && match.Id != senderId && !found.Contains(match.Id))
            {
                found.Add(match.Id);
            }
        }

        return found;
    }
}
