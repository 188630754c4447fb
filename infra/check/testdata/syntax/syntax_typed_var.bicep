// Broken on purpose: typed variable
// also: R19
@description('Region.')
param location string

@description('Tags.')
param tags object = {}

@description('Private networking switch.')
param enablePrivateNetworking bool = false

@description('Log Analytics workspace id.')
param logsId string

var prefix string = 'st'

@description('Prefix.')
output o string = prefix
