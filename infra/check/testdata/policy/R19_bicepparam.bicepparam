using 'main.bicep'

param location = 'westeurope'
