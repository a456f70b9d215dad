namespace ServerlessChat.Core.Moderation;

/// <summary>
/// An Aho-Corasick automaton over folded terms (<see cref="FilterText.Fold"/>): one pass over a text finds every
/// occurrence of every term, overlapping ones included, at a cost that grows with the text and the matches, not
/// with the number of terms. Built once; immutable and safe to share between threads afterwards.
/// </summary>
public sealed class TermMatcher
{
    private const int Root = 0;

    // A node's edges are the slice [_edgeStart[n], _edgeStart[n + 1]) of _edgeChars/_edgeTargets, sorted by char.
    private readonly int[] _edgeStart;
    private readonly char[] _edgeChars;
    private readonly int[] _edgeTargets;
    private readonly int[] _failure;
    // The length of the term that ends at a node (0: none), and the nearest node on the failure chain where one does (-1: none).
    private readonly int[] _termLength;
    private readonly int[] _nextOutput;

    public TermMatcher(IEnumerable<string> foldedTerms)
    {
        var children = new List<Dictionary<char, int>> { new() };
        var termLength = new List<int> { 0 };
        foreach (var term in foldedTerms)
        {
            if (term.Length == 0)
            {
                continue;
            }

            var node = Root;
            foreach (var c in term)
            {
                if (!children[node].TryGetValue(c, out var next))
                {
                    next = children.Count;
                    children[node][c] = next;
                    children.Add([]);
                    termLength.Add(0);
                }

                node = next;
            }

            termLength[node] = term.Length;
        }

        var count = children.Count;
        TermCount = termLength.Count(l => l > 0);
        _edgeStart = new int[count + 1];
        for (var n = 0; n < count; n++)
        {
            _edgeStart[n + 1] = _edgeStart[n] + children[n].Count;
        }

        _edgeChars = new char[_edgeStart[count]];
        _edgeTargets = new int[_edgeStart[count]];
        for (var n = 0; n < count; n++)
        {
            var at = _edgeStart[n];
            foreach (var (c, target) in children[n].OrderBy(e => e.Key))
            {
                _edgeChars[at] = c;
                _edgeTargets[at] = target;
                at++;
            }
        }

        _termLength = [.. termLength];
        _failure = new int[count];
        _nextOutput = new int[count];
        _nextOutput[Root] = -1;

        // Breadth first, so a node's failure (a shorter suffix) is complete before the node's children need it.
        var queue = new Queue<int>();
        for (var e = _edgeStart[Root]; e < _edgeStart[Root + 1]; e++)
        {
            _failure[_edgeTargets[e]] = Root;
            _nextOutput[_edgeTargets[e]] = -1;
            queue.Enqueue(_edgeTargets[e]);
        }

        while (queue.Count > 0)
        {
            var node = queue.Dequeue();
            for (var e = _edgeStart[node]; e < _edgeStart[node + 1]; e++)
            {
                var child = _edgeTargets[e];
                var fallback = _failure[node];
                int target;
                while ((target = Step(fallback, _edgeChars[e])) < 0 && fallback != Root)
                {
                    fallback = _failure[fallback];
                }

                var failure = target < 0 ? Root : target;
                _failure[child] = failure;
                _nextOutput[child] = _termLength[failure] > 0 ? failure : _nextOutput[failure];
                queue.Enqueue(child);
            }
        }
    }

    /// <summary>How many distinct terms the automaton holds.</summary>
    public int TermCount { get; }

    /// <summary>
    /// Calls <paramref name="onMatch"/> with (start, end) for every occurrence in <paramref name="text"/>, in the
    /// order they end; stops early when it returns false.
    /// </summary>
    public void FindAll<TState>(string text, ref TState state, MatchHandler<TState> onMatch)
    {
        if (TermCount == 0)
        {
            return;
        }

        var node = Root;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            int next;
            while ((next = Step(node, c)) < 0 && node != Root)
            {
                node = _failure[node];
            }

            node = next < 0 ? Root : next;
            for (var output = _termLength[node] > 0 ? node : _nextOutput[node]; output >= 0; output = _nextOutput[output])
            {
                if (!onMatch(ref state, i + 1 - _termLength[output], i + 1))
                {
                    return;
                }
            }
        }
    }

    public delegate bool MatchHandler<TState>(ref TState state, int start, int end);

    /// <summary>The child of <paramref name="node"/> along <paramref name="c"/>, or -1.</summary>
    private int Step(int node, char c)
    {
        var low = _edgeStart[node];
        var high = _edgeStart[node + 1] - 1;
        while (low <= high)
        {
            var middle = (low + high) >>> 1;
            var found = _edgeChars[middle];
            if (found == c)
            {
                return _edgeTargets[middle];
            }

            if (found < c)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return -1;
    }
}
