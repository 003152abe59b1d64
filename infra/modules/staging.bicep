// The staging account: file bytes in flight (fetch -> staging -> upload), minutes old, and nothing else.
// Kept apart from the main account (state tables, queues, host storage, GRS/GZRS) so staged bytes are not
// geo-replicated, kept after delete or logged per write/delete; a lost staged blob is fetched again from the
// source. Entra ID only, like the main account: shared-key access is off, the app's identity is the one writer.
param name string
param location string
param tags object = {}
@description('Standard_LRS, or Standard_ZRS when the app is zone redundant (from main.bicep); never geo-redundant.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
])
param stagingSkuName string = 'Standard_LRS'
param stagingContainerName string
param logAnalyticsWorkspaceId string
@description('Staged file bytes older than this are abandoned transfers and get deleted.')
param stagingRetentionDays int = 7

resource stagingAccount 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: stagingSkuName
  }
  properties: {
    // checkov:skip=CKV_AZURE_206: staged bytes live minutes and are fetched again from Procore or SharePoint if lost; geo-replicating them would bill every byte twice for nothing (the state stays in the GRS/GZRS main account)
    // checkov:skip=CKV_AZURE_35: the Flex app runs without a VNet here, so it reaches storage over the public endpoint; access is Entra ID-only (shared keys disabled)
    // checkov:skip=CKV_AZURE_59: public network access stays on for the same reason (no VNet); anonymous blob access is off and every request needs Entra ID
    // checkov:skip=CKV_AZURE_43: the name is computed from uniqueString(), which checkov cannot evaluate; 'stg' + 13 lower-case chars meets the naming rules
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    isLocalUserEnabled: false
    isSftpEnabled: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

// No soft delete of any kind: a staged blob deleted by its step must stop billing at once, and the container
// is re-created by the app (StagingArea) if it is ever deleted.
resource stagingBlobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: stagingAccount
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: false
    }
    containerDeleteRetentionPolicy: {
      enabled: false
    }
  }
}

resource stagedBytesContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: stagingBlobService
  name: stagingContainerName
  properties: {
    publicAccess: 'None'
  }
}

// Whatever is left behind is an abandoned transfer (the step deletes what it staged).
resource stagedBytesLifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: stagingAccount
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'expire-staged-bytes'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              prefixMatch: [
                '${stagingContainerName}/'
              ]
            }
            actions: {
              baseBlob: {
                delete: {
                  daysAfterModificationGreaterThan: stagingRetentionDays
                }
              }
            }
          }
        }
      ]
    }
  }
}

// Metrics only: every chunk of every file in flight is a write and then a delete, so logging them would bill
// more than the bytes cost; the transaction metrics still show volume and errors.
resource stagingBlobDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: stagingBlobService
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    metrics: [
      {
        category: 'Transaction'
        enabled: true
      }
    ]
  }
}

output name string = stagingAccount.name
output id string = stagingAccount.id
output blobEndpoint string = stagingAccount.properties.primaryEndpoints.blob
