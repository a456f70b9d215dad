// Storage account whose static website serves the web client (functions/ServerlessChat.Standalone/wwwroot).
// Its own account, not the Functions host's: whoever publishes the page can write here and nowhere else.
// The static website itself is switched on by a data-plane call (infra/publish-web.sh), which Bicep cannot
// make; this account's web endpoint exists from the start, so the API's CORS can name it in this deployment.

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Storage account name (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param storageAccountName string

resource web 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: storageAccountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    // The static website endpoint serves $web anonymously whatever this says; no container is public.
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
  }
}

var endpoint = web.properties.primaryEndpoints.web

output name string = web.name
@description('The page, e.g. https://stweb1234.z6.web.core.windows.net/ (with the trailing slash).')
output endpoint string = endpoint
@description('The page\'s origin, as CORS names it (no trailing slash).')
output origin string = take(endpoint, length(endpoint) - 1)
