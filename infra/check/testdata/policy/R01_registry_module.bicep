// Broken on purpose: registry module
@description('Region.')
param location string

@description('Tags.')
param tags object = {}

@description('Private networking switch.')
param enablePrivateNetworking bool = false

@description('Log Analytics workspace id.')
param logsId string

module sa 'br/public:avm/res/storage/storage-account:0.9.0' = {
  name: 'sa'
  params: {
    name: 'st'
  }
}
