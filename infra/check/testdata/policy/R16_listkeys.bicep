// Broken on purpose: listKeys()
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

@description('Key.')
output first string = st.listKeys().keys[0].value
