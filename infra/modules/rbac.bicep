// Least-privilege data-plane roles, each scoped to the one resource it is for (never the resource group).
// Assignment names are guid(scope, principal, role), so re-deploying is idempotent.
param storageAccountName string
@description('The staging account (file bytes in flight); the app reads and writes its blobs, nothing else.')
param stagingAccountName string
param keyVaultName string
param appInsightsName string
@description('Principal (object) id of the app\'s user-assigned managed identity.')
param appPrincipalId string
@description('Optional operator (user or group) object id; empty grants nothing.')
param operatorPrincipalId string = ''
param operatorPrincipalType string = 'User'

// Built-in role definition ids (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
var roles = {
  // Functions host storage needs blob read/write and container create (keys, leases, deployment package).
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  // Staged file bytes: read, write, delete blobs and create the staging container; no ownership (ACLs).
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  // Queue triggers, the pipeline's own sends, and the host creating '-poison' queues.
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  // State tables (and the host's diagnostic events table).
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  // Onboarding writes tenant credentials (a new version when they are replaced) and the secret store
  // deletes them, so the app must set and delete secrets, not only read them: Secrets Officer, which
  // includes everything Secrets User grants, scoped to this one vault.
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  // Telemetry ingestion with Entra ID (Application Insights has local auth disabled).
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

var appStorageRoles = [
  roles.storageBlobDataOwner
  roles.storageQueueDataContributor
  roles.storageTableDataContributor
]
var appStagingRoles = [
  roles.storageBlobDataContributor
]
var appVaultRoles = [
  roles.keyVaultSecretsOfficer
]
var appMonitoringRoles = [
  roles.monitoringMetricsPublisher
]
// An operator rotates tenant secrets and inspects / re-queues poison messages; nothing else.
var operatorStorageRoles = empty(operatorPrincipalId) ? [] : [
  roles.storageQueueDataContributor
]
var operatorVaultRoles = empty(operatorPrincipalId) ? [] : [
  roles.keyVaultSecretsOfficer
]

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource staging 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: stagingAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource appStorage 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in appStorageRoles: {
  name: guid(storage.id, appPrincipalId, role)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}]

resource appStaging 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in appStagingRoles: {
  name: guid(staging.id, appPrincipalId, role)
  scope: staging
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}]

resource appVault 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in appVaultRoles: {
  name: guid(vault.id, appPrincipalId, role)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}]

resource appMonitoring 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in appMonitoringRoles: {
  name: guid(appInsights.id, appPrincipalId, role)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}]

resource operatorStorage 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in operatorStorageRoles: {
  name: guid(storage.id, operatorPrincipalId, role)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
  }
}]

resource operatorVault 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in operatorVaultRoles: {
  name: guid(vault.id, operatorPrincipalId, role)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
  }
}]
