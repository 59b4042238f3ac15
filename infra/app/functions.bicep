// Hearth's function host as a container app: one container, settings from the environment and Key Vault references,
// scale to zero with an HTTP rule and a KEDA PostgreSQL rule over the durable runtime's work (ready jobs and due timers),
// the media share mounted at Media:Root, and a termination grace longer than the host's drain.
param name string
param location string = resourceGroup().location
param tags object = {}

@description('True once azd has deployed the image (SERVICE_FUNCTIONS_RESOURCE_EXISTS); then provisioning keeps it.')
param exists bool = false

param containerAppsEnvironmentName string
param mediaStorageName string
param registryServer string

@description('Resource id and client id of the user-assigned identity (image pull, Key Vault references, Azure sign-in).')
param identityId string
param identityClientId string

param postgresConnectionSecretUri string
param postgresScalerConnectionSecretUri string
param jwtSecretUri string

@description('Key Vault URL of the Fal key; empty: pictures come from the placeholder painter.')
param falKeySecretUri string = ''

param jwtIssuer string
param jwtAudience string

@description('JWKS URL of an identity provider (RS256/ES256 tokens); empty: HS256 tokens signed with the generated secret only.')
param jwtJwksUrl string = ''

@description('Token subjects that are admins (comma-separated); empty: admins come from the token role only.')
param adminSubjects string = ''

@description('Sign-in for people (Auth:Oidc): the OpenID Connect authority; empty: no sign-in provider.')
param oidcAuthority string = ''

@description('Client id of the web app\'s app registration (a public single-page application client).')
param oidcClientId string = ''

@description('Audience the API requires in the provider\'s access tokens.')
param oidcAudience string = ''

@description('Scopes the web app asks for, space-separated.')
param oidcScopes string = ''

param openAiEndpoint string
param chatDeploymentName string
param embeddingDeploymentName string
param embeddingDimensions int
param searchEndpoint string
param applicationInsightsConnectionString string

@minValue(0)
param minReplicas int = 0
@minValue(1)
param maxReplicas int = 2

@minValue(0)
@description('Seconds without requests or durable work before the last replica stops (KEDA cooldown).')
param scaleDownDelaySeconds int = 300

@description('Database connections per replica; keep maxReplicas x this under the server\'s connection limit.')
param databasePoolSize int = 15

@description('vCPU per replica (Consumption: 0.25 steps, memory 2 GiB per vCPU).')
param cpu string = '0.5'
param memory string = '1Gi'

resource containerAppsEnvironment 'Microsoft.App/managedEnvironments@2025-01-01' existing = {
  name: containerAppsEnvironmentName
}

module currentImage 'container-image.bicep' = {
  name: '${name}-current-image'
  params: {
    exists: exists
    name: name
  }
}

var publicUrl = 'https://${name}.${containerAppsEnvironment.properties.defaultDomain}'

// Work for a replica: jobs due within a minute or running (a running job keeps its replica; an abandoned lease needs a
// replica to be rescued), plus timer occurrences due within a minute, so the app wakes just before a timer fires.
// Schedules more than an hour overdue are ignored: only a timer removed from the code leaves such a row behind.
var durableWorkQuery = '''
select (select count(*) from durable.jobs
         where state = 'running' or (state = 'ready' and run_at <= now() + interval '1 minute'))
     + (select count(*) from durable.schedules
         where next_run_at <= now() + interval '1 minute' and next_run_at > now() - interval '1 hour')
'''

resource app 'Microsoft.App/containerApps@2025-01-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'functions' })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    environmentId: containerAppsEnvironment.id
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: true
        targetPort: 8080
        transport: 'auto'
        allowInsecure: false
      }
      registries: [
        {
          server: registryServer
          identity: identityId
        }
      ]
      secrets: concat([
        {
          name: 'postgres-connection'
          keyVaultUrl: postgresConnectionSecretUri
          identity: identityId
        }
        {
          name: 'postgres-keda-connection'
          keyVaultUrl: postgresScalerConnectionSecretUri
          identity: identityId
        }
        {
          name: 'auth-jwt-secret'
          keyVaultUrl: jwtSecretUri
          identity: identityId
        }
      ], empty(falKeySecretUri) ? [] : [
        {
          name: 'fal-key'
          keyVaultUrl: falKeySecretUri
          identity: identityId
        }
      ])
    }
    template: {
      // The host drains running jobs for 30 s on SIGTERM and stops within drain + 30 s.
      terminationGracePeriodSeconds: 90
      containers: [
        {
          name: 'functions'
          image: currentImage.outputs.?containers[?0].?image ?? 'mcr.microsoft.com/azuredocs/containerapps-helloworld:latest'
          resources: {
            cpu: json(cpu)
            memory: memory
          }
          env: concat([
            {
              name: 'ASPNETCORE_ENVIRONMENT'
              value: 'Production'
            }
            {
              name: 'ConnectionStrings__Postgres'
              secretRef: 'postgres-connection'
            }
            {
              name: 'Database__MaxPoolSize'
              value: string(databasePoolSize)
            }
            {
              name: 'Auth__Jwt__Issuer'
              value: jwtIssuer
            }
            {
              name: 'Auth__Jwt__Audience'
              value: jwtAudience
            }
            {
              name: 'Auth__Jwt__Secret'
              secretRef: 'auth-jwt-secret'
            }
            {
              name: 'Azure__ManagedIdentityClientId'
              value: identityClientId
            }
            {
              // For any Azure SDK client built with DefaultAzureCredential: the same identity.
              name: 'AZURE_CLIENT_ID'
              value: identityClientId
            }
            {
              name: 'Models__Chat__0__Provider'
              value: 'AzureOpenAI'
            }
            {
              name: 'Models__Chat__0__Endpoint'
              value: openAiEndpoint
            }
            {
              name: 'Models__Chat__0__Model'
              value: chatDeploymentName
            }
            {
              name: 'Models__Embeddings__Provider'
              value: 'AzureOpenAI'
            }
            {
              name: 'Models__Embeddings__Endpoint'
              value: openAiEndpoint
            }
            {
              name: 'Models__Embeddings__Model'
              value: embeddingDeploymentName
            }
            {
              name: 'Models__Embeddings__Dimensions'
              value: string(embeddingDimensions)
            }
            {
              name: 'Search__Provider'
              value: 'AzureAISearch'
            }
            {
              name: 'Search__Endpoint'
              value: searchEndpoint
            }
            {
              name: 'Media__Root'
              value: '/mnt/media'
            }
            {
              name: 'Fal__PublicBaseUrl'
              value: publicUrl
            }
            {
              name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
              value: applicationInsightsConnectionString
            }
          ], empty(jwtJwksUrl) ? [] : [
            {
              name: 'Auth__Jwt__JwksUrl'
              value: jwtJwksUrl
            }
          ], empty(adminSubjects) ? [] : [
            {
              name: 'Auth__AdminSubjects'
              value: adminSubjects
            }
          ], empty(oidcAuthority) ? [] : [
            {
              name: 'Auth__Oidc__Authority'
              value: oidcAuthority
            }
            {
              name: 'Auth__Oidc__ClientId'
              value: oidcClientId
            }
            {
              name: 'Auth__Oidc__Audience'
              value: oidcAudience
            }
            {
              name: 'Auth__Oidc__Scopes'
              value: oidcScopes
            }
          ], empty(falKeySecretUri) ? [] : [
            {
              name: 'Fal__Key'
              secretRef: 'fal-key'
            }
          ])
          probes: [
            {
              // Migrations run at start; the first start on an empty database takes longest (up to ~2 minutes here).
              type: 'Startup'
              httpGet: {
                path: '/healthz'
                port: 8080
              }
              initialDelaySeconds: 5
              periodSeconds: 10
              timeoutSeconds: 3
              failureThreshold: 10
            }
            {
              type: 'Liveness'
              httpGet: {
                path: '/healthz'
                port: 8080
              }
              periodSeconds: 10
              timeoutSeconds: 3
              failureThreshold: 3
            }
            {
              // /readyz asks the database (3 s at most): the probe waits a little longer.
              type: 'Readiness'
              httpGet: {
                path: '/readyz'
                port: 8080
              }
              periodSeconds: 5
              timeoutSeconds: 5
              failureThreshold: 3
            }
          ]
          volumeMounts: [
            {
              volumeName: 'media'
              mountPath: '/mnt/media'
            }
          ]
        }
      ]
      volumes: [
        {
          name: 'media'
          storageType: 'AzureFile'
          storageName: mediaStorageName
          // The image runs as the non-root user 'app' (uid/gid 1654, APP_UID of the .NET images).
          mountOptions: 'uid=1654,gid=1654,dir_mode=0750,file_mode=0640,nobrl,mfsymlinks'
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        pollingInterval: 15
        cooldownPeriod: scaleDownDelaySeconds
        rules: [
          {
            name: 'http'
            http: {
              metadata: {
                concurrentRequests: '30'
              }
            }
          }
          {
            // One replica per batch of due work (host.json extensions.queues.batchSize); any work wakes one.
            name: 'durable-work'
            custom: {
              type: 'postgresql'
              metadata: {
                query: durableWorkQuery
                targetQueryValue: '32'
                activationTargetQueryValue: '0'
              }
              auth: [
                {
                  secretRef: 'postgres-keda-connection'
                  triggerParameter: 'connection'
                }
              ]
            }
          }
        ]
      }
    }
  }
}

output name string = app.name
output uri string = 'https://${app.properties.configuration.ingress.fqdn}'
output publicUrl string = publicUrl
