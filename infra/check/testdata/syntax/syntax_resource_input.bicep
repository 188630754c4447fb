// Broken on purpose: resourceInput<> type
// also: R19
@description('Storage properties.')
param props resourceInput<'Microsoft.Storage/storageAccounts@2025-06-01'>.properties
