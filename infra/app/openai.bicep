// Optional Azure OpenAI account and one chat model deployment for the assistant.
// Keys are disabled: the function app calls it with its managed identity
// (Cognitive Services OpenAI User, granted in rbac.bicep).

@description('Azure region (model availability differs by region).')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Azure OpenAI account name, also its custom subdomain.')
param accountName string

@description('Deployment name the app asks for.')
param deploymentName string

@description('Model name.')
param modelName string

@description('Model version.')
param modelVersion string

@description('Deployment SKU.')
param deploymentSkuName string

@description('Capacity in thousands of tokens per minute.')
@minValue(1)
param deploymentCapacity int

resource account 'Microsoft.CognitiveServices/accounts@2024-10-01' = {
  name: accountName
  location: location
  tags: tags
  kind: 'OpenAI'
  sku: {
    name: 'S0'
  }
  properties: {
    customSubDomainName: accountName
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
  }
}

resource modelDeployment 'Microsoft.CognitiveServices/accounts/deployments@2024-10-01' = {
  parent: account
  name: deploymentName
  sku: {
    name: deploymentSkuName
    capacity: deploymentCapacity
  }
  properties: {
    model: {
      format: 'OpenAI'
      name: modelName
      version: modelVersion
    }
  }
}

output name string = account.name
output endpoint string = account.properties.endpoint
output deploymentName string = modelDeployment.name
