using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ServerlessChat.Core.Attachments;

/// <summary>
/// Bounds image processing in one process, whichever host drains the queue: at most
/// <see cref="AttachmentOptions.EffectiveProcessingConcurrency"/> images at once (decoding is CPU work: more
/// than the cores only adds waiting), holding at most <see cref="AttachmentOptions.MaxDecodePixelsInFlight"/>
/// decoded pixels between them (the memory: 4 bytes a pixel). An image takes a place before its bytes are read,
/// then its pixels; both are given back when its native decode has ended, also after a timeout.
/// </summary>
public sealed partial class ImageDecodeGate(IOptions<AttachmentOptions> options, ILogger<ImageDecodeGate> logger)
{
    private readonly SemaphoreSlim _places = new(options.Value.EffectiveProcessingConcurrency, options.Value.EffectiveProcessingConcurrency);
    private readonly long _budget = options.Value.MaxDecodePixelsInFlight;
    private readonly Lock _lock = new();
    private readonly LinkedList<(long Pixels, TaskCompletionSource Granted)> _waiting = new();
    private long _pixels;
    private int _images;
    private int _peakImages;

    /// <summary>The most images this gate has let decode at once (a figure for tests and logs).</summary>
    public int PeakImages => Volatile.Read(ref _peakImages);

    /// <summary>A place among the images being processed; dispose it when done (it returns its pixels too).</summary>
    public async Task<Place> EnterAsync(CancellationToken ct)
    {
        await _places.WaitAsync(ct);
        return new Place(this);
    }

    private async Task ReserveAsync(long pixels, string attachmentId, CancellationToken ct)
    {
        TaskCompletionSource granted;
        LinkedListNode<(long Pixels, TaskCompletionSource Granted)> node;
        lock (_lock)
        {
            // Waiters are served in order, so a large image is not starved by a stream of small ones.
            if (_waiting.Count == 0 && _pixels + pixels <= _budget)
            {
                Take(pixels);
                LogDecoding(logger, attachmentId, _images, _pixels);
                return;
            }
            granted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            node = _waiting.AddLast((pixels, granted));
        }

        using (ct.Register(() => Cancel(node, ct)))
        {
            await granted.Task;
        }
        LogDecoding(logger, attachmentId, Volatile.Read(ref _images), Interlocked.Read(ref _pixels));
    }

    private void Cancel(LinkedListNode<(long Pixels, TaskCompletionSource Granted)> node, CancellationToken ct)
    {
        lock (_lock)
        {
            // A node already granted has left the list.
            if (node.List is not null)
            {
                _waiting.Remove(node);
                node.Value.Granted.TrySetCanceled(ct);
                GrantWaiting();
            }
        }
    }

    private void Take(long pixels)
    {
        _pixels += pixels;
        if (++_images > _peakImages)
        {
            _peakImages = _images;
        }
    }

    private void Release(long pixels, bool decoded)
    {
        lock (_lock)
        {
            if (decoded)
            {
                _pixels -= pixels;
                _images--;
            }
            GrantWaiting();
        }
        _places.Release();
    }

    private void GrantWaiting()
    {
        while (_waiting.First is { } first && _pixels + first.Value.Pixels <= _budget)
        {
            _waiting.RemoveFirst();
            Take(first.Value.Pixels);
            first.Value.Granted.TrySetResult();
        }
    }

    /// <summary>
    /// One image's share of the gate, given back when it is disposed and every <see cref="Hold"/> taken on it too
    /// (the native decode that outlives a timeout keeps it).
    /// </summary>
    public sealed class Place(ImageDecodeGate gate) : IDisposable
    {
        private long _pixels;
        private bool _reserved;
        private int _holders = 1;

        /// <summary>
        /// Waits until <paramref name="pixels"/> more decoded pixels fit the budget; an image larger than the whole
        /// budget (the options forbid it for any image allowed in) waits until it is alone.
        /// </summary>
        public async Task ReservePixelsAsync(long pixels, string attachmentId, CancellationToken ct)
        {
            _pixels = Math.Min(pixels, gate._budget);
            await gate.ReserveAsync(_pixels, attachmentId, ct);
            _reserved = true;
        }

        /// <summary>Keeps the place taken until the returned hold is disposed as well.</summary>
        public IDisposable Hold()
        {
            Interlocked.Increment(ref _holders);
            return new Holder(this);
        }

        public void Dispose() => Leave();

        private void Leave()
        {
            if (Interlocked.Decrement(ref _holders) == 0)
            {
                gate.Release(_pixels, _reserved);
            }
        }

        private sealed class Holder(Place place) : IDisposable
        {
            private int _disposed;

            public void Dispose()
            {
                if (Interlocked.Exchange(ref _disposed, 1) == 0)
                {
                    place.Leave();
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Decoding attachment {AttachmentId}: {Images} images and {Pixels} pixels in flight")]
    private static partial void LogDecoding(ILogger logger, string attachmentId, int images, long pixels);
}
