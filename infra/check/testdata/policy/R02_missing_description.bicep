// Broken on purpose: param without @description
param location string

resource uami 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: 'id-good'
  location: location
  tags: tags
}
