// Optional Azure Cache for Redis (TLS only). Its connection string, built from the access key, is
// written straight to Key Vault and reaches the app as a Key Vault reference.

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Cache name.')
param cacheName string

@allowed([
  'Basic'
  'Standard'
  'Premium'
])
@description('Cache SKU.')
param skuName string

@description('Cache size within the SKU family (C0-C6, P1-P5).')
@minValue(0)
@maxValue(6)
param capacity int

@description('Key Vault that receives the connection string.')
param keyVaultName string

@description('Secret name for the connection string.')
param connectionStringSecretName string

resource redis 'Microsoft.Cache/redis@2024-11-01' = {
  name: cacheName
  location: location
  tags: tags
  properties: {
    sku: {
      name: skuName
      family: skuName == 'Premium' ? 'P' : 'C'
      capacity: capacity
    }
    enableNonSslPort: false
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
    redisVersion: '6'
  }
}

resource keyVault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: keyVaultName
}

resource connectionStringSecret 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = {
  parent: keyVault
  name: connectionStringSecretName
  properties: {
    value: '${redis.properties.hostName}:${redis.properties.sslPort},password=${redis.listKeys().primaryKey},ssl=True,abortConnect=False'
    contentType: 'text/plain'
  }
}

output name string = redis.name
output hostName string = redis.properties.hostName
output connectionStringSecretUri string = connectionStringSecret.properties.secretUri
