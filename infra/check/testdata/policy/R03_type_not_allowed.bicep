// Broken on purpose: type outside the §3 table
@description('Region.')
param location string

@description('Tags.')
param tags object = {}

@description('Private networking switch.')
param enablePrivateNetworking bool = false

@description('Log Analytics workspace id.')
param logsId string

resource st 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: 'st'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices@2025-06-01' = {
  parent: st
  name: 'default'
}
