// Optional private networking (spec §9.1): a VNet with a delegated subnet for
// Flex VNet integration, private endpoints for the AHDS workspace (FHIR and
// DICOM), storage (blob, queue, table) and Event Hubs, and their private DNS
// zones. Deployed only when enablePrivateNetworking is true. Inbound to the
// function app stays public so Event Grid can deliver.
targetScope = 'resourceGroup'

@description('Name of the virtual network.')
param vnetName string

@description('Address space of the virtual network; two /24 subnets are carved from its start.')
param vnetAddressPrefix string = '10.60.0.0/16'

@description('Region of the network resources.')
param location string

@description('Tags for every resource.')
param tags object

@description('Suffix that keeps private endpoint names unique.')
param resourceToken string

@description('Resource id of the AHDS workspace.')
param workspaceId string

@description('Resource id of the host storage account.')
param storageAccountId string

@description('Resource id of the Event Hubs namespace.')
param eventHubNamespaceId string

var appSubnetPrefix = cidrSubnet(vnetAddressPrefix, 24, 0)
var peSubnetPrefix = cidrSubnet(vnetAddressPrefix, 24, 1)

var zoneNames = [
  'privatelink.workspace.azurehealthcareapis.com'
  'privatelink.fhir.azurehealthcareapis.com'
  'privatelink.dicom.azurehealthcareapis.com'
  'privatelink.blob.${environment().suffixes.storage}'
  'privatelink.queue.${environment().suffixes.storage}'
  'privatelink.table.${environment().suffixes.storage}'
  'privatelink.servicebus.windows.net'
]

// zones: indexes into zoneNames.
var endpoints = [
  {
    name: 'ahds'
    target: workspaceId
    group: 'healthcareworkspace'
    zones: [
      0
      1
      2
    ]
  }
  {
    name: 'blob'
    target: storageAccountId
    group: 'blob'
    zones: [
      3
    ]
  }
  {
    name: 'queue'
    target: storageAccountId
    group: 'queue'
    zones: [
      4
    ]
  }
  {
    name: 'table'
    target: storageAccountId
    group: 'table'
    zones: [
      5
    ]
  }
  {
    name: 'evhns'
    target: eventHubNamespaceId
    group: 'namespace'
    zones: [
      6
    ]
  }
]

resource vnet 'Microsoft.Network/virtualNetworks@2025-09-01' = {
  name: vnetName
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        vnetAddressPrefix
      ]
    }
    subnets: [
      {
        name: 'snet-app'
        properties: {
          addressPrefix: appSubnetPrefix
          delegations: [
            {
              name: 'flex'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
        }
      }
      {
        name: 'snet-pe'
        properties: {
          addressPrefix: peSubnetPrefix
          privateEndpointNetworkPolicies: 'Disabled'
        }
      }
    ]
  }
}

resource zones 'Microsoft.Network/privateDnsZones@2024-06-01' = [
  for zone in zoneNames: {
    name: zone
    location: 'global'
    tags: tags
  }
]

resource links 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [
  for (zone, i) in zoneNames: {
    parent: zones[i]
    name: 'link-${vnetName}'
    location: 'global'
    tags: tags
    properties: {
      registrationEnabled: false
      virtualNetwork: {
        id: vnet.id
      }
    }
  }
]

resource privateEndpoints 'Microsoft.Network/privateEndpoints@2025-09-01' = [
  for ep in endpoints: {
    name: 'pep-${ep.name}-${resourceToken}'
    location: location
    tags: tags
    properties: {
      subnet: {
        id: '${vnet.id}/subnets/snet-pe'
      }
      privateLinkServiceConnections: [
        {
          name: ep.name
          properties: {
            privateLinkServiceId: ep.target
            groupIds: [
              ep.group
            ]
          }
        }
      ]
    }
  }
]

resource zoneGroups 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2025-09-01' = [
  for (ep, i) in endpoints: {
    parent: privateEndpoints[i]
    name: 'default'
    properties: {
      privateDnsZoneConfigs: [
        for z in ep.zones: {
          name: replace(zoneNames[z], '.', '-')
          properties: {
            privateDnsZoneId: zones[z].id
          }
        }
      ]
    }
    dependsOn: [
      links
    ]
  }
]

@description('Resource id of the subnet for the function app\'s VNet integration.')
output appSubnetId string = '${vnet.id}/subnets/snet-app'

@description('Resource id of the virtual network.')
output vnetId string = vnet.id
