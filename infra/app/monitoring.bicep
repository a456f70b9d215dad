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

@description('Email address that the alerts notify; empty: the alerts fire in the portal only.')
param alertEmail string = ''

@description('Alert when more than this percentage of requests in 15 minutes answered 5xx.')
param serverErrorPercentThreshold int = 5

@description('Alert when more realtime pushes than this failed in 15 minutes.')
param pushFailureThreshold int = 10

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

var actionGroupName = 'ag-${applicationInsightsName}'

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: actionGroupName
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'chatalerts'
    enabled: true
    emailReceivers: [
      {
        name: 'operator'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

var alertActions = {
  actionGroups: empty(alertEmail) ? [] : [resourceId('Microsoft.Insights/actionGroups', actionGroupName)]
}

// The share of requests the Functions host answered with 5xx, over at least 20 requests, so one failure at
// night does not page anyone.
resource serverErrorAlert 'Microsoft.Insights/scheduledQueryRules@2022-06-15' = {
  name: 'alert-5xx-${applicationInsightsName}'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'ServerlessChat: 5xx rate'
    description: 'More than ${serverErrorPercentThreshold}% of API requests answered 5xx in the last 15 minutes.'
    severity: 1
    enabled: true
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    scopes: [
      applicationInsights.id
    ]
    criteria: {
      allOf: [
        {
          query: 'requests | summarize total = count(), failed = countif(toint(resultCode) >= 500) | where total >= 20 | extend failedPercent = 100.0 * failed / total'
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'failedPercent'
          operator: 'GreaterThan'
          threshold: serverErrorPercentThreshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: alertActions
  }
  dependsOn: [
    actionGroup
  ]
}

// chat.realtime.push.failures is the worker's OpenTelemetry counter of SignalR Service REST calls that failed
// (exported to customMetrics); each failure is also a warning log of AzureSignalRPublisher.
resource pushFailureAlert 'Microsoft.Insights/scheduledQueryRules@2022-06-15' = {
  name: 'alert-push-failures-${applicationInsightsName}'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'ServerlessChat: failed realtime pushes'
    description: 'More than ${pushFailureThreshold} realtime pushes to Azure SignalR Service failed in the last 15 minutes.'
    severity: 2
    enabled: true
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    scopes: [
      applicationInsights.id
    ]
    criteria: {
      allOf: [
        {
          query: 'customMetrics | where name == "chat.realtime.push.failures" | summarize failures = sum(valueSum)'
          timeAggregation: 'Total'
          metricMeasureColumn: 'failures'
          operator: 'GreaterThan'
          threshold: pushFailureThreshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: alertActions
  }
  dependsOn: [
    actionGroup
  ]
}

output applicationInsightsName string = applicationInsights.name
// An ingestion address, not a credential: local authentication is off, so telemetry needs an
// Entra token of an identity that holds Monitoring Metrics Publisher.
output connectionString string = applicationInsights.properties.ConnectionString
