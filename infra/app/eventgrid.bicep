// The Event Grid topic that events out are published to (Events:EventGridTopicEndpoint). CloudEvents 1.0 in,
// and no access keys: the function app publishes with its managed identity (EventGrid Data Sender in rbac.bicep).

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Event Grid topic name.')
param topicName string

resource topic 'Microsoft.EventGrid/topics@2022-06-15' = {
  name: topicName
  location: location
  tags: tags
  properties: {
    inputSchema: 'CloudEventSchemaV1_0'
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
  }
}

output name string = topic.name
output endpoint string = topic.properties.endpoint
