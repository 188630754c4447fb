// Event Hubs namespace for device telemetry (replaces the MedTech ingestion
// hub, D2). Local (SAS) authentication is disabled: senders and the function
// use Entra ID.
targetScope = 'resourceGroup'

@description('Name of the Event Hubs namespace.')
param namespaceName string

@description('Name of the device-telemetry event hub.')
param eventHubName string = 'device-telemetry'

@description('Consumer group read by the device-telemetry function ($Default stays free for tools).')
param consumerGroupName string = 'functions'

@description('Partitions of the telemetry hub.')
@minValue(1)
@maxValue(32)
param partitionCount int = 4

@description('Days the telemetry hub keeps events.')
@minValue(1)
@maxValue(7)
param retentionDays int = 1

@description('Region of the namespace.')
param location string

@description('Tags for every resource.')
param tags object

@description('True: public network access Disabled (producers reach the namespace through its private endpoint).')
param enablePrivateNetworking bool

@description('Resource id of the Log Analytics workspace for diagnostics.')
param logAnalyticsId string

resource namespace 'Microsoft.EventHub/namespaces@2024-01-01' = {
  name: namespaceName
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
    capacity: 1
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: enablePrivateNetworking ? 'Disabled' : 'Enabled'
  }
}

resource hub 'Microsoft.EventHub/namespaces/eventhubs@2024-01-01' = {
  parent: namespace
  name: eventHubName
  properties: {
    partitionCount: partitionCount
    messageRetentionInDays: retentionDays
  }
}

resource consumerGroup 'Microsoft.EventHub/namespaces/eventhubs/consumergroups@2024-01-01' = {
  parent: hub
  name: consumerGroupName
  properties: {
    userMetadata: 'device-telemetry function'
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'diag-${namespaceName}'
  scope: namespace
  properties: {
    workspaceId: logAnalyticsId
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

@description('Name of the namespace.')
output namespaceName string = namespace.name

@description('Resource id of the namespace (private endpoint target).')
output namespaceId string = namespace.id

@description('Fully qualified namespace for EventHubConnection__fullyQualifiedNamespace.')
output fullyQualifiedNamespace string = '${namespace.name}.servicebus.windows.net'

@description('Name of the telemetry hub.')
output eventHubName string = hub.name

@description('Name of the function\'s consumer group.')
output consumerGroupName string = consumerGroup.name
