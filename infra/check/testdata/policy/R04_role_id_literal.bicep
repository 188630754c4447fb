// Broken on purpose: roleDefinitionId not via subscriptionResourceId
@description('Region.')
param location string

@description('Tags.')
param tags object = {}

@description('Private networking switch.')
param enablePrivateNetworking bool = false

@description('Log Analytics workspace id.')
param logsId string


@description('Principal id of the identity.')
param identityPrincipalId string

resource ws 'Microsoft.HealthcareApis/workspaces@2024-03-31' existing = {
  name: 'hwx'
}

resource fhir 'Microsoft.HealthcareApis/workspaces/fhirservices@2024-03-31' existing = {
  parent: ws
  name: 'fhir'
}

var role = '5a1fc7df-4bf1-4951-a576-89034ee01acd'

resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(fhir.id, identityPrincipalId, role)
  scope: fhir
  properties: {
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: '/providers/Microsoft.Authorization/roleDefinitions/${role}'
  }
}
