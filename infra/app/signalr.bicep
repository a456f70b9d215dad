// Azure SignalR Service in Serverless mode. Connection events reach the function app through an
// upstream URL template; the app checks the X-ASRS-Signature header with the access key, so the
// upstream needs no function key (which would exist only after the app is deployed).

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('SignalR Service name.')
param signalRName string

@allowed([
  'Free_F1'
  'Standard_S1'
  'Premium_P1'
])
@description('SignalR Service SKU.')
param skuName string

@description('Units of the SKU (Free_F1 allows only 1).')
@minValue(1)
param capacity int

@description('Host name of the function app that serves the upstream endpoint.')
param functionAppHostName string

@description('Origins allowed to call the service from a browser.')
param corsAllowedOrigins array

@description('Key Vault that receives the connection string.')
param keyVaultName string

@description('Secret name for the connection string.')
param connectionStringSecretName string

resource signalR 'Microsoft.SignalRService/signalR@2024-03-01' = {
  name: signalRName
  location: location
  tags: tags
  kind: 'SignalR'
  sku: {
    name: skuName
    tier: split(skuName, '_')[0]
    capacity: capacity
  }
  properties: {
    features: [
      {
        flag: 'ServiceMode'
        value: 'Serverless'
      }
      {
        flag: 'EnableConnectivityLogs'
        value: 'True'
      }
    ]
    cors: {
      allowedOrigins: empty(corsAllowedOrigins) ? ['*'] : corsAllowedOrigins
    }
    upstream: {
      templates: [
        {
          // {hub}, {category} and {event} are filled in by the service, e.g.
          // /api/signalr/chat/connections/connected and /api/signalr/chat/connections/disconnected.
          urlTemplate: 'https://${functionAppHostName}/api/signalr/{hub}/{category}/{event}'
          hubPattern: 'chat'
          categoryPattern: 'connections'
          eventPattern: 'connected,disconnected'
        }
      ]
    }
    tls: {
      clientCertEnabled: false
    }
    publicNetworkAccess: 'Enabled'
    // Access keys stay on: the app signs client and REST tokens and verifies upstream signatures with them.
    disableLocalAuth: false
  }
}

resource keyVault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: keyVaultName
}

resource connectionStringSecret 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = {
  parent: keyVault
  name: connectionStringSecretName
  properties: {
    value: signalR.listKeys().primaryConnectionString
    contentType: 'text/plain'
  }
}

output name string = signalR.name
output hostName string = signalR.properties.hostName
output connectionStringSecretUri string = connectionStringSecret.properties.secretUri
