// Broken on purpose: stray brackets
@description('Region.')
param location string

@description('Tags.')
param tags object = {}

@description('Private networking switch.')
param enablePrivateNetworking bool = false

@description('Log Analytics workspace id.')
param logsId string

resource r 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: 'x'
  location: location
  tags: tags
  ]]
}
