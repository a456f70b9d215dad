// ServerlessChat: Azure Functions (Flex Consumption, .NET 10 isolated) chat backend with Azure
// SignalR Service (Serverless), Cosmos DB for MongoDB, Key Vault and Application Insights, plus an
// optional Azure OpenAI assistant and an optional Redis cache.
//
// Every name derives from uniqueString(resourceGroup().id, environmentName), so deploying the same
// environment to the same group again updates the same resources and changes nothing.
targetScope = 'resourceGroup'

@minLength(1)
@maxLength(64)
@description('Environment name (azd environment); part of every resource name and the azd-env-name tag.')
param environmentName string

@minLength(1)
@description('Region of every resource except the optional Azure OpenAI account.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string = resourceGroup().location

@description('More browser origins allowed to call the API and the SignalR Service, e.g. https://chat.example.com; the web client\'s own origin (its static website) is always allowed.')
param corsAllowedOrigins array = []

@description('Base URL of the password reset page that the reset email links to; empty: the web client\'s reset page on its static website.')
param emailResetUrlBase string = ''

@secure()
@description('HMAC key for access tokens. Used only when the Key Vault secret does not exist yet; the default is random (two GUIDs, 72 characters).')
param jwtSigningKey string = '${newGuid()}${newGuid()}'

@description('VAPID public key for Web Push (base64url P-256, e.g. from `npx web-push generate-vapid-keys`); empty: push off.')
param vapidPublicKey string = ''

@secure()
@description('VAPID private key matching vapidPublicKey; stored as the Key Vault secret vapid-private-key.')
param vapidPrivateKey string = ''

@description('Contact in the VAPID token (mailto: or https:); empty: the app default.')
param vapidSubject string = ''

@description('External OpenID Connect issuer for users\' sign-in, e.g. https://login.microsoftonline.com/<tenant>/v2.0; empty: local accounts only.')
param externalAuthority string = ''

@description('Audience of the external issuer\'s access tokens for this API: the app registration\'s Application ID URI (api://...) or client id.')
param externalAudience string = ''

@description('Claim that names the user at the external issuer: oid for Microsoft Entra ID.')
param externalSubjectClaim string = 'sub'

@description('False when users sign in only through the external issuer: register, login and password routes answer 404.')
param localAccounts bool = true

@description('Entra issuer of the integrator backend\'s app-only tokens (app role Chat.Admin) for the server API; empty: API keys only.')
param adminEntraAuthority string = ''

@description('Audience of those app tokens: the chat API\'s Application ID URI or client id.')
param adminEntraAudience string = ''

@description('Principal id of the deploying user or pipeline, granted Key Vault Secrets Officer; empty for none.')
param principalId string = ''

@description('Email address that the monitoring alerts (5xx rate, failed realtime pushes) notify; empty: portal only.')
param alertEmail string = ''

@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
@description('Kind of principalId.')
param principalType string = 'User'

@allowed([
  'Free_F1'
  'Standard_S1'
  'Premium_P1'
])
@description('Azure SignalR Service SKU.')
param signalRSku string = 'Standard_S1'

@minValue(1)
@description('Azure SignalR Service units.')
param signalRCapacity int = 1

@description('Cosmos DB account in serverless mode; false provisions shared autoscale throughput.')
param cosmosServerless bool = true

@description('Cosmos DB retries throttled requests itself for up to ~60 s (DisableRateLimitingResponses); false fails fast: the app retries within Storage:MongoThrottling, then answers 503 with Retry-After.')
param cosmosServerSideRetry bool = true

@allowed([
  '4.2'
  '5.0'
  '6.0'
  '7.0'
])
@description('MongoDB server version of the Cosmos DB account.')
param mongoServerVersion string = '4.2'

@minValue(1)
@description('Seconds after its last write that a refresh token document is removed by Cosmos DB TTL.')
param refreshTokenTtlSeconds int = 2592000

@minValue(1)
@description('Seconds after its last write that a password reset token document is removed by Cosmos DB TTL.')
param resetTokenTtlSeconds int = 86400

@minValue(1)
@description('Seconds after its last write that a rate limit counter document is removed by Cosmos DB TTL. Past the longest record it holds (a known sign-in network, 30 days); the app purges past windows itself.')
param rateLimitTtlSeconds int = 2678400

@minValue(30)
@maxValue(3650)
@description('Days the sync change log keeps a change (Sync:RetentionDays); Cosmos DB TTL removes older entries.')
param syncRetentionDays int = 30

@description('Turn on Key Vault purge protection (cannot be turned off again).')
param keyVaultPurgeProtection bool = false

@minValue(40)
@maxValue(1000)
@description('Most Flex Consumption instances.')
param maximumInstanceCount int = 100

@allowed([
  512
  2048
  4096
])
@description('Memory of each Flex Consumption instance in MB.')
param instanceMemoryMB int = 2048

@description('Deploy Azure OpenAI for the assistant.')
param deployOpenAi bool = false

@description('Region of the Azure OpenAI account (the model must be offered there).')
param openAiLocation string = location

@description('Chat model of the assistant.')
param openAiModelName string = 'gpt-4o-mini'

@description('Version of that model.')
param openAiModelVersion string = '2024-07-18'

@description('SKU of the model deployment.')
param openAiDeploymentSku string = 'GlobalStandard'

@minValue(1)
@description('Capacity of the model deployment, in thousands of tokens per minute.')
param openAiDeploymentCapacity int = 10

@description('Deploy Azure Cache for Redis.')
param deployRedis bool = false

@allowed([
  'Basic'
  'Standard'
  'Premium'
])
@description('Azure Cache for Redis SKU.')
param redisSku string = 'Basic'

@minValue(0)
@maxValue(6)
@description('Azure Cache for Redis size within the SKU family.')
param redisCapacity int = 0

@description('Deploy an Event Grid topic (CloudEvents schema) that the app publishes events out to with its managed identity.')
param deployEventGrid bool = true

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(resourceGroup().id, environmentName))
var tags = {
  'azd-env-name': environmentName
}

var functionAppName = '${abbrs.functionApp}api-${resourceToken}'
// Known before the app exists, so SignalR's upstream can point at it in the same deployment.
var functionAppHostName = '${functionAppName}.azurewebsites.net'
var storageAccountName = '${abbrs.storageAccount}${resourceToken}'
var webStorageAccountName = '${abbrs.storageAccount}web${resourceToken}'
var keyVaultName = '${abbrs.keyVault}${resourceToken}'
var deploymentContainerName = 'app-package-${resourceToken}'
var mongoDatabaseName = 'serverlesschat'
var applicationInsightsName = '${abbrs.appInsights}${resourceToken}'
var openAiAccountName = '${abbrs.cognitiveServicesOpenAi}${resourceToken}'
var eventGridTopicName = '${abbrs.eventGridTopic}${resourceToken}'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${abbrs.managedIdentity}api-${resourceToken}'
  location: location
  tags: tags
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring-${resourceToken}'
  params: {
    location: location
    tags: tags
    logAnalyticsName: '${abbrs.logAnalyticsWorkspace}${resourceToken}'
    applicationInsightsName: applicationInsightsName
    alertEmail: alertEmail
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage-${resourceToken}'
  params: {
    location: location
    tags: tags
    storageAccountName: storageAccountName
    deploymentContainerName: deploymentContainerName
    corsAllowedOrigins: corsAllowedOrigins
  }
}

module web 'app/web.bicep' = {
  name: 'web-${resourceToken}'
  params: {
    location: location
    tags: tags
    storageAccountName: webStorageAccountName
  }
}

// The page's own origin first; the API and SignalR Service accept calls from it and from any extra origins.
var browserOrigins = union([web.outputs.origin], corsAllowedOrigins)

module keyVault 'app/keyvault.bicep' = {
  name: 'keyvault-${resourceToken}'
  params: {
    location: location
    tags: tags
    keyVaultName: keyVaultName
    enablePurgeProtection: keyVaultPurgeProtection
    jwtSigningKey: jwtSigningKey
    vapidPrivateKey: vapidPrivateKey
  }
}

module signalR 'app/signalr.bicep' = {
  name: 'signalr-${resourceToken}'
  params: {
    location: location
    tags: tags
    signalRName: '${abbrs.signalR}${resourceToken}'
    skuName: signalRSku
    capacity: signalRCapacity
    functionAppHostName: functionAppHostName
    corsAllowedOrigins: browserOrigins
    keyVaultName: keyVaultName
    connectionStringSecretName: 'signalr-connection-string'
  }
  dependsOn: [
    keyVault
  ]
}

module cosmos 'app/cosmos-mongo.bicep' = {
  name: 'cosmos-mongo-${resourceToken}'
  params: {
    location: location
    tags: tags
    accountName: '${abbrs.cosmosDbMongo}${resourceToken}'
    databaseName: mongoDatabaseName
    serverVersion: mongoServerVersion
    serverless: cosmosServerless
    serverSideRetry: cosmosServerSideRetry
    autoscaleMaxThroughput: 1000
    refreshTokenTtlSeconds: refreshTokenTtlSeconds
    resetTokenTtlSeconds: resetTokenTtlSeconds
    rateLimitTtlSeconds: rateLimitTtlSeconds
    changeLogTtlSeconds: syncRetentionDays * 86400
    keyVaultName: keyVaultName
    connectionStringSecretName: 'mongo-connection-string'
  }
  dependsOn: [
    keyVault
  ]
}

module openAi 'app/openai.bicep' = if (deployOpenAi) {
  name: 'openai-${resourceToken}'
  params: {
    location: openAiLocation
    tags: tags
    accountName: openAiAccountName
    deploymentName: openAiModelName
    modelName: openAiModelName
    modelVersion: openAiModelVersion
    deploymentSkuName: openAiDeploymentSku
    deploymentCapacity: openAiDeploymentCapacity
  }
}

module redis 'app/redis.bicep' = if (deployRedis) {
  name: 'redis-${resourceToken}'
  params: {
    location: location
    tags: tags
    cacheName: '${abbrs.cacheRedis}${resourceToken}'
    skuName: redisSku
    capacity: redisCapacity
    keyVaultName: keyVaultName
    connectionStringSecretName: 'redis-connection-string'
  }
  dependsOn: [
    keyVault
  ]
}

module eventGrid 'app/eventgrid.bicep' = if (deployEventGrid) {
  name: 'eventgrid-${resourceToken}'
  params: {
    location: location
    tags: tags
    topicName: eventGridTopicName
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac-${resourceToken}'
  params: {
    appIdentityId: identity.id
    appPrincipalId: identity.properties.principalId
    storageAccountName: storageAccountName
    webStorageAccountName: webStorageAccountName
    keyVaultName: keyVaultName
    applicationInsightsName: applicationInsightsName
    openAiAccountName: deployOpenAi ? openAiAccountName : ''
    eventGridTopicName: deployEventGrid ? eventGridTopicName : ''
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
  }
  dependsOn: [
    storage
    web
    keyVault
    monitoring
    openAi
    eventGrid
  ]
}

module functionApp 'app/functionapp.bicep' = {
  name: 'functionapp-${resourceToken}'
  params: {
    location: location
    tags: tags
    appTags: union(tags, { 'azd-service-name': 'api' })
    planName: '${abbrs.appServicePlan}${resourceToken}'
    functionAppName: functionAppName
    identityId: identity.id
    identityClientId: identity.properties.clientId
    storageBlobEndpoint: storage.outputs.blobEndpoint
    storageQueueEndpoint: storage.outputs.queueEndpoint
    storageTableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    jwtSigningKeySecretUri: keyVault.outputs.jwtSigningKeySecretUri
    vapidPublicKey: vapidPublicKey
    vapidSubject: vapidSubject
    vapidPrivateKeySecretUri: empty(vapidPublicKey) ? '' : keyVault.outputs.vapidPrivateKeySecretUri
    mongoConnectionStringSecretUri: cosmos.outputs.connectionStringSecretUri
    mongoDatabaseName: cosmos.outputs.databaseName
    signalRConnectionStringSecretUri: signalR.outputs.connectionStringSecretUri
    // The reset page's folder with its slash, so the static website serves its index.html.
    emailResetUrlBase: empty(emailResetUrlBase) ? '${web.outputs.endpoint}reset-password/' : emailResetUrlBase
    openAiEndpoint: deployOpenAi ? openAi!.outputs.endpoint : ''
    openAiDeploymentName: deployOpenAi ? openAi!.outputs.deploymentName : ''
    redisConnectionStringSecretUri: deployRedis ? redis!.outputs.connectionStringSecretUri : ''
    corsAllowedOrigins: browserOrigins
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    syncRetentionDays: syncRetentionDays
    externalAuthority: externalAuthority
    externalAudience: externalAudience
    externalSubjectClaim: externalSubjectClaim
    localAccounts: localAccounts
    adminEntraAuthority: adminEntraAuthority
    adminEntraAudience: adminEntraAudience
    eventGridTopicEndpoint: deployEventGrid ? eventGrid!.outputs.endpoint : ''
  }
  // The host needs its storage and Key Vault roles before it first starts.
  dependsOn: [
    rbac
  ]
}

output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = resourceGroup().name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output SERVICE_API_NAME string = functionApp.outputs.name
output SERVICE_API_URI string = 'https://${functionApp.outputs.defaultHostName}'
output AZURE_USER_ASSIGNED_IDENTITY_CLIENT_ID string = identity.properties.clientId
output SIGNALR_NAME string = signalR.outputs.name
output SIGNALR_HOSTNAME string = signalR.outputs.hostName
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri
output COSMOS_ACCOUNT_NAME string = cosmos.outputs.name
output MONGO_DATABASE_NAME string = cosmos.outputs.databaseName
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_WEB_STORAGE_ACCOUNT_NAME string = web.outputs.name
output WEB_CLIENT_URI string = web.outputs.endpoint
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output AZURE_OPENAI_ENDPOINT string = deployOpenAi ? openAi!.outputs.endpoint : ''
output EVENT_GRID_TOPIC_ENDPOINT string = deployEventGrid ? eventGrid!.outputs.endpoint : ''
output REDIS_HOSTNAME string = deployRedis ? redis!.outputs.hostName : ''
