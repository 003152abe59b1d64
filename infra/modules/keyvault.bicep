// Key Vault for tenant credentials (Procore and Microsoft client secrets, written by the onboarding API).
// RBAC authorization only (no access policies), soft delete and purge protection on, audit log to Log Analytics.
param name string
param location string
param tags object = {}
param logAnalyticsWorkspaceId string
param softDeleteRetentionInDays int = 90
@description('The per-instance seed the name was derived from (main.bicep keyVaultSeed), kept as a tag so the preprovision hook can find it again while this vault lives.')
param seed string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: union(tags, {
    'pcsync-vault-seed': seed
  })
  properties: {
    // checkov:skip=CKV_AZURE_109: without a VNet the Flex app reaches the vault over its public endpoint (Functions is not a trusted service); every call is Entra ID + RBAC
    // checkov:skip=CKV_AZURE_189: same reason: public network access stays on for the app, authorization is RBAC-only
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource auditLog 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: vault
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        categoryGroup: 'audit'
        enabled: true
      }
    ]
  }
}

output name string = vault.name
output id string = vault.id
output uri string = vault.properties.vaultUri
