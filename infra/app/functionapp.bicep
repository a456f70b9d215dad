// Flex Consumption plan and the Linux function app (.NET 10 isolated worker). The app runs as a
// user-assigned identity for the host storage, the deployment container, Key Vault references,
// Application Insights and Azure OpenAI.

@description('Azure region.')
param location string

@description('Tags applied to the plan.')
param tags object

@description('Tags applied to the function app (carry azd-service-name).')
param appTags object

@description('Flex Consumption plan name.')
param planName string

@description('Function app name.')
param functionAppName string

@description('Resource id of the user-assigned identity.')
param identityId string

@description('Client id of the user-assigned identity.')
param identityClientId string

@description('Blob endpoint of the Functions host storage account.')
param storageBlobEndpoint string

@description('Queue endpoint of that storage account.')
param storageQueueEndpoint string

@description('Table endpoint of that storage account.')
param storageTableEndpoint string

@description('Container that holds the deployment package.')
param deploymentContainerName string

@description('Application Insights connection string (an ingestion address, not a credential: local auth is off).')
param applicationInsightsConnectionString string

@description('Versionless Key Vault secret URI of the JWT signing key.')
param jwtSigningKeySecretUri string

@description('Versionless Key Vault secret URI of the MongoDB connection string.')
param mongoConnectionStringSecretUri string

@description('MongoDB database name.')
param mongoDatabaseName string

@description('Versionless Key Vault secret URI of the SignalR connection string.')
param signalRConnectionStringSecretUri string

@description('Base URL of the password reset page; empty leaves the app default.')
param emailResetUrlBase string

@description('Azure OpenAI endpoint; empty when the assistant is not deployed.')
param openAiEndpoint string

@description('Azure OpenAI deployment name; empty when the assistant is not deployed.')
param openAiDeploymentName string

@description('External OpenID Connect issuer whose access tokens users sign in with (Auth:External:Authority), e.g. https://login.microsoftonline.com/<tenant>/v2.0; empty: off.')
param externalAuthority string = ''

@description('The audience those tokens carry for this API (Auth:External:Audience): the app registration\'s Application ID URI or client id.')
param externalAudience string = ''

@description('The claim naming the user at that issuer (Auth:External:SubjectClaim): oid for Entra ID.')
param externalSubjectClaim string = 'sub'

@description('False when users sign in only through the external issuer (Auth:LocalAccounts): register, login and password routes answer 404.')
param localAccounts bool = true

@description('Entra issuer of app-only tokens with the app role Chat.Admin for the server API (Admin:Entra:Authority); empty: off.')
param adminEntraAuthority string = ''

@description('The audience of those app tokens (Admin:Entra:Audience).')
param adminEntraAudience string = ''

@description('VAPID public key for Web Push (base64url); empty: no push.')
param vapidPublicKey string = ''

@description('Contact in the VAPID token: a mailto: or https: URL.')
param vapidSubject string = ''

@description('Versionless Key Vault secret URI of the VAPID private key; empty: no push.')
param vapidPrivateKeySecretUri string = ''

@description('Versionless Key Vault secret URI of the Redis connection string; empty when no cache is deployed.')
param redisConnectionStringSecretUri string

@description('Origins allowed to call the API from a browser.')
param corsAllowedOrigins array

@description('Most instances the app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int

@description('Memory of each instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@description('Days the sync change log keeps a change; the same number sets the changes collection\'s TTL.')
@minValue(30)
@maxValue(3650)
param syncRetentionDays int

@description('Event Grid topic endpoint for events out; empty for none.')
param eventGridTopicEndpoint string = ''

var coreSettings = {
  // Service URIs rather than __accountName: they carry the cloud's own storage suffix.
  AzureWebJobsStorage__blobServiceUri: storageBlobEndpoint
  AzureWebJobsStorage__queueServiceUri: storageQueueEndpoint
  AzureWebJobsStorage__tableServiceUri: storageTableEndpoint
  // Attachments in the same account: SAS URLs signed with a user delegation key (Storage Blob Data Owner in rbac.bicep).
  Attachments__Provider: 'AzureBlob'
  Attachments__BlobServiceUri: storageBlobEndpoint
  Attachments__ManagedIdentityClientId: identityClientId
  Attachments__Container: 'attachments'
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  Auth__JwtSigningKey: '@Microsoft.KeyVault(SecretUri=${jwtSigningKeySecretUri})'
  Storage__Provider: 'MongoDb'
  Storage__MongoConnectionString: '@Microsoft.KeyVault(SecretUri=${mongoConnectionStringSecretUri})'
  Storage__MongoDatabase: mongoDatabaseName
  // Cosmos DB for MongoDB RU has no index that serves word-prefix ranges: search scans a bounded window per conversation.
  Storage__MongoSearch: 'Bounded'
  // The changes collection's _ts TTL (cosmos-mongo.bicep) is this many days, so sync answers 410 exactly when entries are gone.
  Sync__RetentionDays: string(syncRetentionDays)
  AzureSignalRConnectionString: '@Microsoft.KeyVault(SecretUri=${signalRConnectionStringSecretUri})'
}

var emailSettings = empty(emailResetUrlBase) ? {} : { Email__ResetUrlBase: emailResetUrlBase }

var identitySettings = union(
  { Auth__LocalAccounts: string(localAccounts) },
  empty(externalAuthority)
    ? {}
    : {
        Auth__External__Authority: externalAuthority
        Auth__External__Audience: externalAudience
        Auth__External__SubjectClaim: externalSubjectClaim
      },
  empty(adminEntraAuthority)
    ? {}
    : {
        Admin__Entra__Authority: adminEntraAuthority
        Admin__Entra__Audience: adminEntraAudience
      })

var assistantSettings = empty(openAiEndpoint)
  ? {}
  : {
      Assistant__Endpoint: openAiEndpoint
      Assistant__Deployment: openAiDeploymentName
      // DefaultAzureCredential needs the client id to pick a user-assigned identity.
      Assistant__ManagedIdentityClientId: identityClientId
    }

var redisSettings = empty(redisConnectionStringSecretUri)
  ? {}
  : { Redis__ConnectionString: '@Microsoft.KeyVault(SecretUri=${redisConnectionStringSecretUri})' }

// Web Push: the queue push-requests is created by the app on first use, on the AzureWebJobsStorage account.
var pushSettings = empty(vapidPrivateKeySecretUri)
  ? {}
  : union({
      Push__VapidPublicKey: vapidPublicKey
      Push__VapidPrivateKey: '@Microsoft.KeyVault(SecretUri=${vapidPrivateKeySecretUri})'
    }, empty(vapidSubject) ? {} : { Push__VapidSubject: vapidSubject })

// Events out to Event Grid, published with the user-assigned identity (EventGrid Data Sender in rbac.bicep).
var eventsSettings = empty(eventGridTopicEndpoint)
  ? {}
  : {
      Events__EventGridTopicEndpoint: eventGridTopicEndpoint
      Events__ManagedIdentityClientId: identityClientId
    }

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-11-01' = {
  name: functionAppName
  location: location
  tags: appTags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references resolve with the user-assigned identity, not a system identity.
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      cors: {
        allowedOrigins: corsAllowedOrigins
        // The SignalR browser client negotiates with credentials, which a wildcard origin forbids.
        supportCredentials: !empty(corsAllowedOrigins) && !contains(corsAllowedOrigins, '*')
      }
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }

  resource appSettings 'config' = {
    name: 'appsettings'
    properties: union(coreSettings, emailSettings, identitySettings, assistantSettings, redisSettings, pushSettings, eventsSettings)
  }

  resource ftpPolicy 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: {
      allow: false
    }
  }

  resource scmPolicy 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: {
      allow: false
    }
  }
}

output name string = functionApp.name
output defaultHostName string = functionApp.properties.defaultHostName
