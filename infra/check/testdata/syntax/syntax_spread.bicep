// Broken on purpose: spread
// also: R19
@description('Region.')
param location string

@description('Tags.')
param tags object = {}

@description('Private networking switch.')
param enablePrivateNetworking bool = false

@description('Log Analytics workspace id.')
param logsId string

var base = {
  a: 1
}
var merged = {
  ...base
  b: 2
}

@description('Merged.')
output o object = merged
