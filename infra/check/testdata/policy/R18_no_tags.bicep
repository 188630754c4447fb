// Broken on purpose: taggable resource without tags
@description('Region.')
param location string

@description('Tags.')
param tags object = {}

@description('Private networking switch.')
param enablePrivateNetworking bool = false

@description('Log Analytics workspace id.')
param logsId string

resource uami 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: 'id-good'
  location: location
}
