// Broken on purpose: TLS 1.0
@description('Region.')
param location string

@description('Tags.')
param tags object = {}

@description('Private networking switch.')
param enablePrivateNetworking bool = false

@description('Log Analytics workspace id.')
param logsId string

resource namespace 'Microsoft.EventHub/namespaces@2024-01-01' = {
  name: 'evhns-good'
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
    capacity: 1
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.0'
    publicNetworkAccess: enablePrivateNetworking ? 'Disabled' : 'Enabled'
  }

  resource hub 'eventhubs' = {
    name: 'telemetry'
    properties: {
      partitionCount: 32
      messageRetentionInDays: 1
    }
  }
}

resource namespaceDiag 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'diag'
  scope: namespace
  properties: {
    workspaceId: logsId
  }
}
