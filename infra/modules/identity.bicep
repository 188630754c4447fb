// User-assigned identity of the function app (D5): one identity for storage,
// Event Hubs, FHIR, DICOM and App Insights ingestion.
targetScope = 'resourceGroup'

@description('Name of the user-assigned identity.')
param name string

@description('Region of the identity.')
param location string

@description('Tags for every resource.')
param tags object

resource uami 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

@description('Resource id of the identity.')
output id string = uami.id

@description('Client id (AZURE_CLIENT_ID, __clientId settings).')
output clientId string = uami.properties.clientId

@description('Principal (object) id, for role assignments.')
output principalId string = uami.properties.principalId

@description('Name of the identity.')
output name string = uami.name
