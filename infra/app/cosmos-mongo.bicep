// Azure Cosmos DB for MongoDB (RU) account, the serverlesschat database and its collections.
// Field names in the index keys are the ones the C# storage layer writes.
//
// Cosmos DB rules that shape these declarations:
// - Server 3.6+ indexes only _id (and the shard key) by default: every field that is sorted on
//   needs an index, and a sort on several fields needs a compound index.
// - The _id index is declared explicitly (ARM replaces the whole index list) and must not carry
//   options.
// - Unique indexes can only be created while a collection is empty, and on a sharded collection a
//   unique index must include the shard key. Documents that lack an indexed field count as null,
//   so the app must always write every field of a unique index.
// - TTL works only through an index on the system field _ts (time of the last write) with
//   expireAfterSeconds; a TTL index on a field such as expiresAt is refused. A document may
//   shorten or extend its own lifetime with an int32 `ttl` field, and the app must still compare
//   expiresAt itself, since deletion happens in the background.

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Cosmos DB account name.')
param accountName string

@description('Database name.')
param databaseName string

@description('MongoDB wire protocol version served by the account.')
@allowed([
  '4.2'
  '5.0'
  '6.0'
  '7.0'
])
param serverVersion string

@description('Serverless capacity mode (no provisioned throughput).')
param serverless bool

// Throttling (error 16500, TooManyRequests) is handled at two levels. With server-side retry
// (the DisableRateLimitingResponses capability) Cosmos DB itself holds a throttled request and
// retries it for up to about 60 seconds before answering 16500, so short bursts cost latency
// instead of errors. The app also retries 16500 with the server's RetryAfterMs within a small
// budget (Storage:MongoThrottling) and then answers 503 with Retry-After. On by default: a chat
// burst (a group's read receipts, a reconnect storm) is short, and waiting it out beats failing
// sends. Turn it off to fail fast instead: requests then never wait longer than the app's budget.
@description('Server-side retry of throttled requests (the DisableRateLimitingResponses capability).')
param serverSideRetry bool

@description('Shared database autoscale maximum RU/s when the account is not serverless.')
@minValue(1000)
param autoscaleMaxThroughput int

@description('Seconds after its last write that a refresh token document is deleted.')
@minValue(1)
param refreshTokenTtlSeconds int

@description('Seconds after its last write that a password reset token document is deleted.')
@minValue(1)
param resetTokenTtlSeconds int

@description('Seconds after its last write that a rate limit counter document is deleted.')
@minValue(1)
param rateLimitTtlSeconds int

@description('Seconds after its write that a change-log entry is deleted: the app\'s Sync:RetentionDays in seconds.')
@minValue(2592000)
param changeLogTtlSeconds int

@description('Key Vault that receives the connection string.')
param keyVaultName string

@description('Secret name for the connection string.')
param connectionStringSecretName string

var idIndex = {
  key: {
    keys: [
      '_id'
    ]
  }
}

// Collections without a shard key or unique index, each index as its list of key fields (as in
// MongoStorageInitializer); a ttlSeconds above 0 adds the _ts TTL index. The app's TTL indexes on its own
// date fields are left out: Cosmos DB refuses them (the app logs that and keeps comparing the dates itself).
// Array fields (groups.members, conversations.participants and speakers) are indexed alone: a compound index cannot hold
// an array field on this API.
var plainCollections = [
  {
    name: 'groups'
    indexKeys: [['members']]
    ttlSeconds: 0
  }
  {
    name: 'conversations'
    indexKeys: [['participants'], ['groupId'], ['speakers']]
    ttlSeconds: 0
  }
  {
    name: 'readMarkers'
    indexKeys: [['conversationId']]
    ttlSeconds: 0
  }
  {
    name: 'refreshTokens'
    indexKeys: [['familyId'], ['userId']]
    ttlSeconds: refreshTokenTtlSeconds
  }
  // Login chains: by user, by end (every instance's revocation list); idle ones expire with their refresh tokens.
  {
    name: 'sessions'
    indexKeys: [['userId', 'lastUsedAt'], ['endedAt']]
    ttlSeconds: refreshTokenTtlSeconds
  }
  // A user's reset tokens: a new one ends the older ones.
  {
    name: 'resetTokens'
    indexKeys: [['userId', 'createdAt']]
    ttlSeconds: resetTokenTtlSeconds
  }
  {
    name: 'rateLimits'
    indexKeys: []
    ttlSeconds: rateLimitTtlSeconds
  }
  // Who takes part in which thread, one document per (user, root), listed by user.
  {
    name: 'threadMembers'
    indexKeys: [['userId']]
    ttlSeconds: 0
  }
  // Link previews kept by URL (_id); the app reads expiresAt, _ts drops them a day after their last write.
  {
    name: 'linkPreviews'
    indexKeys: []
    ttlSeconds: 86400
  }
  // A user's blocks in the order they were made.
  {
    name: 'blocks'
    indexKeys: [['blocker', 'createdAt']]
    ttlSeconds: 0
  }
  // A user's Web Push subscriptions, oldest first.
  {
    name: 'pushSubscriptions'
    indexKeys: [['userId', 'createdAt']]
    ttlSeconds: 0
  }
  // Muted conversations, looked up by their _id (user and conversation).
  {
    name: 'mutes'
    indexKeys: []
    ttlSeconds: 0
  }
  // Pinned messages: one document per conversation, looked up by its _id (the conversation id).
  {
    name: 'pins'
    indexKeys: []
    ttlSeconds: 0
  }
  // Group invite links by token (_id), listed per group oldest first.
  {
    name: 'invites'
    indexKeys: [['groupId', 'createdAt']]
    ttlSeconds: 0
  }
  // The live-invite places of each group, looked up by its _id (the group id).
  {
    name: 'inviteSlots'
    indexKeys: []
    ttlSeconds: 0
  }
  // Moderation: reports by state, newest first (one open report per target, under openKey), suspensions in
  // force, roles and the audit log by _id.
  {
    name: 'reports'
    indexKeys: [['openKey'], ['open', '_id']]
    ttlSeconds: 0
  }
  {
    name: 'suspensions'
    indexKeys: [['until']]
    ttlSeconds: 0
  }
  {
    name: 'roles'
    indexKeys: []
    ttlSeconds: 0
  }
  {
    name: 'auditLog'
    indexKeys: []
    ttlSeconds: 0
  }
  // The change log's numbers: one counter per conversation, looked up by its _id (the conversation id).
  {
    name: 'changeCounters'
    indexKeys: []
    ttlSeconds: 0
  }
  // Where each consumer of the change log (a webhook, Event Grid) has delivered to, by its _id (the consumer's name).
  {
    name: 'changeConsumers'
    indexKeys: []
    ttlSeconds: 0
  }
  // Users with open connections whose last heartbeat is older than a cutoff.
  {
    name: 'presence'
    indexKeys: [['connections', 'lastSeenAt']]
    ttlSeconds: 0
  }
]

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' = {
  name: accountName
  location: location
  tags: tags
  kind: 'MongoDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    capabilities: union(
      [
        {
          name: 'EnableMongo'
        }
      ],
      serverless ? [{ name: 'EnableServerless' }] : [],
      serverSideRetry ? [{ name: 'DisableRateLimitingResponses' }] : []
    )
    apiProperties: {
      serverVersion: serverVersion
    }
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: 'Enabled'
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/mongodbDatabases@2024-11-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
    options: serverless ? {} : { autoscaleSettings: { maxThroughput: autoscaleMaxThroughput } }
  }
}

resource usersCollection 'Microsoft.DocumentDB/databaseAccounts/mongodbDatabases/collections@2024-11-15' = {
  parent: database
  name: 'users'
  properties: {
    resource: {
      id: 'users'
      indexes: [
        idIndex
        {
          key: {
            keys: ['usernameLower']
          }
          options: {
            unique: true
          }
        }
        {
          key: {
            keys: ['emailLower']
          }
          options: {
            unique: true
          }
        }
      ]
    }
  }
}

resource messagesCollection 'Microsoft.DocumentDB/databaseAccounts/mongodbDatabases/collections@2024-11-15' = {
  parent: database
  name: 'messages'
  properties: {
    resource: {
      id: 'messages'
      shardKey: {
        conversationId: 'Hash'
      }
      indexes: [
        idIndex
        // Paging a conversation newest first: filter on conversationId, sort on _id.
        {
          key: {
            keys: ['conversationId', '_id']
          }
        }
        // Idempotent sends. On a sharded collection a unique index must contain the shard key, so
        // the guarantee holds per conversation, which is where a client's retry lands anyway.
        // dedupeKey is the clientMessageId when the client gave one and the message id otherwise:
        // Cosmos DB treats a missing field as null, so indexing clientMessageId itself would make
        // two sends without one collide.
        {
          key: {
            keys: ['conversationId', 'sender', 'dedupeKey']
          }
          options: {
            unique: true
          }
        }
        // Unread mentions of one user; a compound index cannot hold an array field on this API.
        {
          key: {
            keys: ['mentions']
          }
        }
        // A thread's replies oldest first: filter on the root, a range on _id.
        {
          key: {
            keys: ['conversationId', 'threadId', '_id']
          }
        }
      ]
    }
  }
}

// One document per reaction; the unique index (with the shard key, as it must be) makes a repeat a no-op
// and lets concurrent reactions all land.
resource reactionsCollection 'Microsoft.DocumentDB/databaseAccounts/mongodbDatabases/collections@2024-11-15' = {
  parent: database
  name: 'reactions'
  properties: {
    resource: {
      id: 'reactions'
      shardKey: {
        conversationId: 'Hash'
      }
      indexes: [
        idIndex
        {
          key: {
            keys: ['conversationId', 'messageId', 'emoji', 'userId']
          }
          options: {
            unique: true
          }
        }
      ]
    }
  }
}

// Attachments by message (a page's attachments, a deleted message's), the unattached ones by age and the ones
// still processing. Not sharded: an attachment is looked up by its id or its message's id before any
// conversation is known, so a shard key of conversationId would make those cross-partition.
resource attachmentsCollection 'Microsoft.DocumentDB/databaseAccounts/mongodbDatabases/collections@2024-11-15' = {
  parent: database
  name: 'attachments'
  properties: {
    resource: {
      id: 'attachments'
      indexes: [
        idIndex
        {
          key: {
            keys: ['messageId', '_id']
          }
        }
        {
          key: {
            keys: ['messageId', 'createdAt']
          }
        }
        {
          key: {
            keys: ['state', '_id']
          }
        }
      ]
    }
  }
}

// The change log behind sync: one partition per conversation, read as one range of (conversationId, at).
// The app indexes its own expiry date for MongoDB; Cosmos DB only expires by _ts, and an entry is written once
// (and marked committed a moment later), so _ts is its time and a TTL of the sync retention removes it when the
// app would.
resource changesCollection 'Microsoft.DocumentDB/databaseAccounts/mongodbDatabases/collections@2024-11-15' = {
  parent: database
  name: 'changes'
  properties: {
    resource: {
      id: 'changes'
      shardKey: {
        conversationId: 'Hash'
      }
      indexes: [
        idIndex
        {
          key: {
            keys: ['conversationId', 'at']
          }
        }
        // The events dispatcher reads the whole log by time (a cross-partition query, off the request path).
        {
          key: {
            keys: ['at', 'conversationId']
          }
        }
        {
          key: {
            keys: ['_ts']
          }
          options: {
            expireAfterSeconds: changeLogTtlSeconds
          }
        }
      ]
    }
  }
}

resource plainCollection 'Microsoft.DocumentDB/databaseAccounts/mongodbDatabases/collections@2024-11-15' = [
  for c in plainCollections: {
    parent: database
    name: c.name
    properties: {
      resource: {
        id: c.name
        indexes: concat(
          [idIndex],
          map(c.indexKeys, k => { key: { keys: k } }),
          c.ttlSeconds > 0 ? [{ key: { keys: ['_ts'] }, options: { expireAfterSeconds: c.ttlSeconds } }] : []
        )
      }
    }
  }
]

resource keyVault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: keyVaultName
}

// The account's own connection string carries retrywrites=false (Cosmos DB refuses retryable writes); it is
// stored unchanged, and the app handles throttling itself (see serverSideRetry above).
resource connectionStringSecret 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = {
  parent: keyVault
  name: connectionStringSecretName
  properties: {
    value: account.listConnectionStrings().connectionStrings[0].connectionString
    contentType: 'text/plain'
  }
}

output name string = account.name
output databaseName string = database.name
output connectionStringSecretUri string = connectionStringSecret.properties.secretUri
