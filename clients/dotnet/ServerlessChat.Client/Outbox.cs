namespace ServerlessChat.Client;

/// <summary>
/// Messages written but not yet stored, in memory, sent in the order they were written, one at a time, each until
/// the server answers for it: a transient failure (no answer, 408, 429, 5xx) ends the pass and leaves it queued
/// for the next one, so a message is sent again only with its <c>clientMessageId</c>, which the server stores once.
/// </summary>
internal sealed class Outbox(Func<SendMessageRequest, CancellationToken, Task<MessageDto>> send, Action<OutboxFailedEventArgs> failed)
{
    private readonly object _gate = new();
    private readonly List<Item> _items = [];
    private readonly SemaphoreSlim _pass = new(1, 1);

    public IReadOnlyList<PendingMessage> Pending
    {
        get
        {
            lock (_gate)
            {
                return [.. _items.Select(i => new PendingMessage(i.Request.ClientMessageId!, i.Request, i.QueuedAt))];
            }
        }
    }

    /// <summary>Queues a message; the task completes with the stored message once some pass has sent it.</summary>
    public Task<MessageDto> Enqueue(SendMessageRequest request, CancellationToken ct)
    {
        var item = new Item(request, DateTimeOffset.UtcNow);
        lock (_gate)
        {
            _items.Add(item);
        }

        if (ct.CanBeCanceled)
        {
            // Cancelling takes out a message that has not been handed to the server yet; one on its way is not recalled.
            var registration = ct.Register(() =>
            {
                lock (_gate)
                {
                    if (item.InFlight || !_items.Remove(item))
                    {
                        return;
                    }
                }

                item.Sent.TrySetCanceled(ct);
            });
            _ = item.Sent.Task.ContinueWith(_ => registration.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        return item.Sent.Task.WaitAsync(ct);
    }

    /// <summary>One pass over the queue (one at a time); true when it emptied the queue, false when a transient failure stopped it.</summary>
    public async Task<bool> FlushAsync(CancellationToken ct)
    {
        await _pass.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            while (true)
            {
                Item? item;
                lock (_gate)
                {
                    item = _items.FirstOrDefault();
                    if (item is null)
                    {
                        return true;
                    }

                    item.InFlight = true;
                }

                MessageDto message;
                try
                {
                    message = await send(item.Request, ct).ConfigureAwait(false);
                }
                catch (Exception error) when (Transient.Is(error, ct) || ct.IsCancellationRequested || error is ChatApiException { StatusCode: 401 })
                {
                    // 401: the session ended; it stays queued for when the user signs in again.
                    lock (_gate)
                    {
                        item.InFlight = false;
                    }

                    return false;
                }
                catch (Exception error)
                {
                    lock (_gate)
                    {
                        _items.Remove(item);
                    }

                    item.Sent.TrySetException(error);
                    failed(new OutboxFailedEventArgs(item.Request.ClientMessageId!, item.Request, error));
                    continue;
                }

                lock (_gate)
                {
                    _items.Remove(item);
                }

                item.Sent.TrySetResult(message);
            }
        }
        finally
        {
            _pass.Release();
        }
    }

    /// <summary>Drops the queue (sign-out), failing whoever waits on it.</summary>
    public void Discard()
    {
        Item[] dropped;
        lock (_gate)
        {
            dropped = [.. _items];
            _items.Clear();
        }

        foreach (var item in dropped)
        {
            item.Sent.TrySetException(new InvalidOperationException("Signed out before the message was sent."));
        }
    }

    private sealed class Item(SendMessageRequest request, DateTimeOffset queuedAt)
    {
        public SendMessageRequest Request { get; } = request;

        public DateTimeOffset QueuedAt { get; } = queuedAt;

        public bool InFlight { get; set; }

        public TaskCompletionSource<MessageDto> Sent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
