// Broken on purpose: extension statement
// also: R19
extension microsoftGraphV1

@description('Region.')
param location string

@description('Tags.')
param tags object = {}

@description('Private networking switch.')
param enablePrivateNetworking bool = false

@description('Log Analytics workspace id.')
param logsId string

