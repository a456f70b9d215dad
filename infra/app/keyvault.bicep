// Key Vault (RBAC authorization, soft delete) and the JWT signing key secret.
// The other secrets are written by the modules that own the source resource
// (signalr.bicep, cosmos-mongo.bicep, redis.bicep) so no key ever passes through an output.

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Key Vault name (3-24 characters).')
@minLength(3)
@maxLength(24)
param keyVaultName string

@description('Turn on purge protection (cannot be turned off again once on).')
param enablePurgeProtection bool

@secure()
@description('HMAC key that signs access tokens; written only when the secret does not exist yet.')
param jwtSigningKey string

@secure()
@description('VAPID private key for Web Push (base64url P-256, as web-push tools print it); empty: no push.')
param vapidPrivateKey string = ''

resource keyVault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: keyVaultName
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    // The service refuses an explicit false here, so leave the property out unless it is turned on.
    enablePurgeProtection: enablePurgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
  }
}

// Created on the first deployment only: a re-deployment (whose parameter default is a fresh
// newGuid() pair) must not rotate the key and sign every user out. Rotate by writing a new
// version of the secret with the Key Vault CLI.
@onlyIfNotExists()
resource jwtSecret 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = {
  parent: keyVault
  name: 'jwt-signing-key'
  properties: {
    value: jwtSigningKey
    contentType: 'text/plain'
  }
}

// Written on every deployment that passes a key, so rotating it is a re-deployment with the new pair.
resource vapidSecret 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = if (!empty(vapidPrivateKey)) {
  parent: keyVault
  name: 'vapid-private-key'
  properties: {
    value: vapidPrivateKey
    contentType: 'text/plain'
  }
}

output name string = keyVault.name
output uri string = keyVault.properties.vaultUri
// Built from the vault URI rather than read from jwtSecret, which is skipped when it already exists.
output jwtSigningKeySecretUri string = '${keyVault.properties.vaultUri}secrets/${jwtSecret.name}'
// The secret exists only when a VAPID key was given; main.bicep passes this on only then.
output vapidPrivateKeySecretUri string = '${keyVault.properties.vaultUri}secrets/vapid-private-key'
