using System.ComponentModel.DataAnnotations;

namespace ServerlessChat.Core.Attachments;

public enum AttachmentProvider { FileSystem, AzureBlob }

public sealed class AttachmentOptions : IValidatableObject
{
    public const string Section = "Attachments";

    public const long DefaultMaxBytes = 25 * 1024 * 1024;

    /// <summary>Types a browser could run; served only as downloads if an operator allows them.</summary>
    public static readonly IReadOnlySet<string> InlineSafeTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "image/png", "image/jpeg", "image/gif", "image/webp", "video/mp4", "video/webm", "audio/mpeg", "audio/ogg", "text/plain",
    };

    public AttachmentProvider Provider { get; set; } = AttachmentProvider.FileSystem;

    [Range(1, 5L * 1024 * 1024 * 1024)]
    public long MaxBytes { get; set; } = DefaultMaxBytes;

    /// <summary>
    /// MIME types accepted, as sniffed from the bytes. Binding a list appends to a default one, so the default set
    /// applies only when the setting is absent (see <see cref="EffectiveAllowedTypes"/>).
    /// </summary>
    public List<string> AllowedTypes { get; set; } = [];

    [Range(1, 100_000)]
    public int UploadsPerMinute { get; set; } = 30;

    [Required]
    [RegularExpression("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$", ErrorMessage = "Attachments:Container must be a valid blob container name.")]
    public string Container { get; set; } = "attachments";

    /// <summary>FileSystem: the folder; relative to the content root. Empty: "attachments" beside the SQLite file.</summary>
    public string? Directory { get; set; }

    /// <summary>AzureBlob with managed identity: https://{account}.blob.core.windows.net.</summary>
    public string? BlobServiceUri { get; set; }

    /// <summary>AzureBlob with a connection string (Azurite, local runs).</summary>
    public string? BlobConnectionString { get; set; }

    /// <summary>A user-assigned identity's client id for <see cref="BlobServiceUri"/>.</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>Pixels an image may declare in its header before it is refused unread (decompression bombs).</summary>
    [Range(1, 1_000_000_000)]
    public long MaxImagePixels { get; set; } = 40_000_000;

    /// <summary>Images processed at once in one process; 0: one per core (<see cref="Environment.ProcessorCount"/>).</summary>
    [Range(0, 256)]
    public int ProcessingConcurrency { get; set; }

    /// <summary>
    /// Decoded pixels the images processed at once may hold between them (4 bytes each): the memory bound of
    /// processing. At least <see cref="MaxImagePixels"/>, so any image let in can be processed, alone if need be.
    /// An upright JPEG is decoded at thumbnail scale and counts only those pixels.
    /// </summary>
    [Range(1, 4_000_000_000)]
    public long MaxDecodePixelsInFlight { get; set; } = 100_000_000;

    public int EffectiveProcessingConcurrency => ProcessingConcurrency > 0 ? ProcessingConcurrency : Environment.ProcessorCount;

    [Range(1, 600)]
    public int ProcessingTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// An image still processing this long after its upload slot was made is queued again (its job was lost: a
    /// worker crash, a failed write); more than the processing timeout, so a live job is not doubled.
    /// </summary>
    [Range(2, 86_400)]
    public int RequeueProcessingAfterSeconds { get; set; } = 1800;

    public static readonly IReadOnlyList<string> DefaultAllowedTypes =
    [
        "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain",
        "application/zip", "video/mp4", "video/webm", "audio/mpeg", "audio/ogg",
    ];

    public IReadOnlySet<string> EffectiveAllowedTypes =>
        new HashSet<string>(AllowedTypes.Count > 0 ? AllowedTypes.Select(t => t.Trim().ToLowerInvariant()) : DefaultAllowedTypes, StringComparer.Ordinal);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Provider == AttachmentProvider.AzureBlob && string.IsNullOrWhiteSpace(BlobServiceUri) && string.IsNullOrWhiteSpace(BlobConnectionString))
        {
            yield return new ValidationResult(
                "Attachments:BlobServiceUri or Attachments:BlobConnectionString is required when Attachments:Provider is AzureBlob.",
                [nameof(BlobServiceUri), nameof(BlobConnectionString)]);
        }

        if (!string.IsNullOrWhiteSpace(BlobServiceUri) && (!Uri.TryCreate(BlobServiceUri, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http")))
        {
            yield return new ValidationResult("Attachments:BlobServiceUri must be an absolute http(s) URI.", [nameof(BlobServiceUri)]);
        }

        if (RequeueProcessingAfterSeconds <= ProcessingTimeoutSeconds)
        {
            yield return new ValidationResult(
                "Attachments:RequeueProcessingAfterSeconds must be more than Attachments:ProcessingTimeoutSeconds.",
                [nameof(RequeueProcessingAfterSeconds), nameof(ProcessingTimeoutSeconds)]);
        }

        if (MaxDecodePixelsInFlight < MaxImagePixels)
        {
            yield return new ValidationResult(
                "Attachments:MaxDecodePixelsInFlight must be at least Attachments:MaxImagePixels, or the largest image allowed in could never be processed.",
                [nameof(MaxDecodePixelsInFlight), nameof(MaxImagePixels)]);
        }

        foreach (var type in AllowedTypes)
        {
            if (!ContentSniffer.KnownTypes.Contains(type.Trim().ToLowerInvariant()))
            {
                yield return new ValidationResult(
                    $"Attachments:AllowedTypes has '{type}', which is not a type the server recognizes from the bytes ({string.Join(", ", ContentSniffer.KnownTypes.Order())}).",
                    [nameof(AllowedTypes)]);
            }
        }
    }
}
