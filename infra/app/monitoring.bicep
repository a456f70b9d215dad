// Log Analytics workspace plus a workspace-based Application Insights component.
// Local (instrumentation-key) ingestion is disabled: the function app sends telemetry with its
// managed identity (Monitoring Metrics Publisher, granted in rbac.bicep).

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Log Analytics workspace name.')
param logAnalyticsName string

@description('Application Insights component name.')
param applicationInsightsName string

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    DisableLocalAuth: true
  }
}

output applicationInsightsName string = applicationInsights.name
// An ingestion address, not a credential: local authentication is off, so telemetry needs an
// Entra token of an identity that holds Monitoring Metrics Publisher.
output connectionString string = applicationInsights.properties.ConnectionString
