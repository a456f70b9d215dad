using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;

namespace ServerlessChat.Core.Storage.Mongo;

/// <summary>
/// The collections, by the names and field names that infra/ declares for Cosmos DB for MongoDB. Documents are
/// handled as BsonDocument: the field names and BSON types are part of that contract, so they are spelled out
/// where they are written instead of being inferred by a class map.
/// </summary>
internal sealed class MongoChatDatabase
{
    public const string UsersName = "users";
    public const string MessagesName = "messages";
    public const string GroupsName = "groups";
    public const string ConversationsName = "conversations";
    public const string ReadMarkersName = "readMarkers";
    public const string RefreshTokensName = "refreshTokens";
    public const string ResetTokensName = "resetTokens";
    public const string RateLimitsName = "rateLimits";
    public const string PresenceName = "presence";
    public const string AttachmentsName = "attachments";
    public const string ChangesName = "changes";
    public const string ChangeCountersName = "changeCounters";
    public const string ChangeConsumersName = "changeConsumers";
    public const string ReactionsName = "reactions";
    public const string BlocksName = "blocks";
    public const string PushSubscriptionsName = "pushSubscriptions";
    public const string MutesName = "mutes";
    public const string SessionsName = "sessions";
    public const string PinsName = "pins";
    public const string InvitesName = "invites";
    public const string InviteSlotsName = "inviteSlots";
    public const string ReportsName = "reports";
    public const string SuspensionsName = "suspensions";
    public const string RolesName = "roles";
    public const string AuditLogName = "auditLog";
    public const string LinkPreviewsName = "linkPreviews";
    public const string ThreadMembersName = "threadMembers";

    public MongoChatDatabase(IMongoClient client, IOptions<StorageOptions> options)
    {
        Database = client.GetDatabase(options.Value.MongoDatabase);
        Users = Database.GetCollection<BsonDocument>(UsersName);
        Messages = Database.GetCollection<BsonDocument>(MessagesName);
        Groups = Database.GetCollection<BsonDocument>(GroupsName);
        Conversations = Database.GetCollection<BsonDocument>(ConversationsName);
        ReadMarkers = Database.GetCollection<BsonDocument>(ReadMarkersName);
        RefreshTokens = Database.GetCollection<BsonDocument>(RefreshTokensName);
        ResetTokens = Database.GetCollection<BsonDocument>(ResetTokensName);
        RateLimits = Database.GetCollection<BsonDocument>(RateLimitsName);
        Presence = Database.GetCollection<BsonDocument>(PresenceName);
        Attachments = Database.GetCollection<BsonDocument>(AttachmentsName);
        Changes = Database.GetCollection<BsonDocument>(ChangesName);
        ChangeCounters = Database.GetCollection<BsonDocument>(ChangeCountersName);
        ChangeConsumers = Database.GetCollection<BsonDocument>(ChangeConsumersName);
        Reactions = Database.GetCollection<BsonDocument>(ReactionsName);
        Blocks = Database.GetCollection<BsonDocument>(BlocksName);
        PushSubscriptions = Database.GetCollection<BsonDocument>(PushSubscriptionsName);
        Mutes = Database.GetCollection<BsonDocument>(MutesName);
        Sessions = Database.GetCollection<BsonDocument>(SessionsName);
        Pins = Database.GetCollection<BsonDocument>(PinsName);
        Invites = Database.GetCollection<BsonDocument>(InvitesName);
        InviteSlots = Database.GetCollection<BsonDocument>(InviteSlotsName);
        Reports = Database.GetCollection<BsonDocument>(ReportsName);
        Suspensions = Database.GetCollection<BsonDocument>(SuspensionsName);
        Roles = Database.GetCollection<BsonDocument>(RolesName);
        AuditLog = Database.GetCollection<BsonDocument>(AuditLogName);
        LinkPreviews = Database.GetCollection<BsonDocument>(LinkPreviewsName);
        ThreadMembers = Database.GetCollection<BsonDocument>(ThreadMembersName);
    }

    public IMongoDatabase Database { get; }
    public IMongoCollection<BsonDocument> Users { get; }
    public IMongoCollection<BsonDocument> Messages { get; }
    public IMongoCollection<BsonDocument> Groups { get; }
    public IMongoCollection<BsonDocument> Conversations { get; }
    public IMongoCollection<BsonDocument> ReadMarkers { get; }
    public IMongoCollection<BsonDocument> RefreshTokens { get; }
    public IMongoCollection<BsonDocument> ResetTokens { get; }
    public IMongoCollection<BsonDocument> RateLimits { get; }
    public IMongoCollection<BsonDocument> Presence { get; }
    public IMongoCollection<BsonDocument> Attachments { get; }
    public IMongoCollection<BsonDocument> Changes { get; }
    public IMongoCollection<BsonDocument> ChangeCounters { get; }
    public IMongoCollection<BsonDocument> ChangeConsumers { get; }
    public IMongoCollection<BsonDocument> Reactions { get; }
    public IMongoCollection<BsonDocument> Blocks { get; }
    public IMongoCollection<BsonDocument> PushSubscriptions { get; }
    public IMongoCollection<BsonDocument> Mutes { get; }
    public IMongoCollection<BsonDocument> Sessions { get; }
    public IMongoCollection<BsonDocument> Pins { get; }
    public IMongoCollection<BsonDocument> Invites { get; }
    public IMongoCollection<BsonDocument> InviteSlots { get; }
    public IMongoCollection<BsonDocument> Reports { get; }
    public IMongoCollection<BsonDocument> Suspensions { get; }
    public IMongoCollection<BsonDocument> Roles { get; }
    public IMongoCollection<BsonDocument> AuditLog { get; }
    public IMongoCollection<BsonDocument> LinkPreviews { get; }
    public IMongoCollection<BsonDocument> ThreadMembers { get; }
}
