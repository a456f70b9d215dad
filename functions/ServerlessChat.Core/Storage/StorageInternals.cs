using System.Runtime.CompilerServices;

// The contract tests read the adapters' query texts (EXPLAIN QUERY PLAN, MongoDB explain) instead of copying them.
[assembly: InternalsVisibleTo("ServerlessChat.Tests")]
