// Broken on purpose: connection string output
@description('Region.')
param location string

@description('Tags.')
param tags object = {}

@description('Private networking switch.')
param enablePrivateNetworking bool = false

@description('Log Analytics workspace id.')
param logsId string

@description('Connection.')
output storageConnectionString string = 'DefaultEndpointsProtocol=https;AccountName=st'
