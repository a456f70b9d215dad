using System.ComponentModel.DataAnnotations;

namespace ServerlessChat.Core.Email;

public sealed class EmailOptions
{
    public const string Section = "Email";

    /// <summary>The page of the web client that takes a reset token; the email links to it with ?token=...</summary>
    [Required, Url]
    public string ResetUrlBase { get; set; } = "http://localhost:7071/reset-password";

    [Required]
    public string From { get; set; } = "ServerlessChat <no-reply@serverlesschat.local>";

    /// <summary>Where emails are written as .eml files when no SMTP host is set. Relative paths resolve against the data root (Storage:DataRoot).</summary>
    [Required]
    public string PickupDirectory { get; set; } = "data/mail";

    public SmtpOptions Smtp { get; set; } = new();
}

public sealed class SmtpOptions
{
    public string? Host { get; set; }

    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>STARTTLS on the submission port; set false only for a local test relay.</summary>
    public bool UseStartTls { get; set; } = true;
}
