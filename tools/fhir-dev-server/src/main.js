// Entry point: node src/main.js (settings from the environment, see config.js).
import { loadConfig } from './config.js';
import { loadDefinitions } from './definitions.js';
import { makeServer } from './http.js';
import { openLog, replay } from './persist.js';
import { makeRouter } from './routes.js';
import { Store } from './store.js';
import { Terminology } from './terminology.js';
import { makeValidator } from './validator.js';

const version = '0.1.0';

function main() {
  const started = Date.now();
  const config = loadConfig((name) => process.env[name]);
  const store = new Store({ strictSearch: config.strictSearch });
  let replayed = 0;
  if (config.dataFile) {
    // Before the (slow) definitions load, so a damaged data file fails fast.
    replayed = replay(config.dataFile, store);
    const log = openLog(config.dataFile);
    store.persist = (entries) => log.append(entries);
  }
  const types = loadDefinitions();
  if (config.validate) {
    store.validate = makeValidator(new Terminology());
  }
  const server = makeServer({
    router: makeRouter(),
    store,
    capability: capabilityStatement(types),
    config,
    log: (msg) => process.stderr.write(`fhir-dev-server: ${msg}\n`),
  });
  server.keepAliveTimeout = 65_000;
  server.listen(config.port, config.host, () => {
    const { port } = server.address();
    process.stdout.write(
      `fhir-dev-server ${version} listening on http://${config.host}:${port}` +
        ` (validate=${config.validate} strictSearch=${config.strictSearch}` +
        ` dataFile=${config.dataFile ?? 'none'} replayed=${replayed} startup=${Date.now() - started}ms)\n`
    );
  });
  server.on('error', (err) => {
    process.stderr.write(`fhir-dev-server: cannot listen on ${config.host}:${config.port}: ${err.message}\n`);
    process.exit(1);
  });
}

/** A minimal R4 CapabilityStatement; also the readiness probe. */
function capabilityStatement(types) {
  const interaction = ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'create', 'search-type'];
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    software: { name: 'ahds-fhir-dev-server (Medplum fhir-router 5.2.13)', version },
    implementation: { description: 'Local development FHIR server (in-memory, no authentication)' },
    fhirVersion: '4.0.1',
    format: ['json'],
    rest: [
      {
        mode: 'server',
        resource: types.map((type) => ({
          type,
          interaction: interaction.map((code) => ({ code })),
          versioning: 'versioned',
          readHistory: true,
          updateCreate: true,
          conditionalCreate: true,
          conditionalUpdate: true,
          conditionalDelete: 'single',
        })),
        interaction: [{ code: 'transaction' }, { code: 'batch' }],
      },
    ],
  };
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => process.exit(0));
}

try {
  main();
} catch (err) {
  process.stderr.write(`fhir-dev-server: ${err.message}\n`);
  process.exit(1);
}
