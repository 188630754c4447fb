// Writes the run-time Orthanc configuration to stdout:
// node orthanc-config.mjs <template.json> <storage dir> <http port>
import { readFileSync } from 'node:fs';

const [template, storage, port] = process.argv.slice(2);
if (!template || !storage || !/^\d+$/.test(port ?? '')) {
  process.stderr.write('usage: orthanc-config.mjs <template.json> <storage dir> <http port>\n');
  process.exit(2);
}
const cfg = JSON.parse(readFileSync(template, 'utf8'));
cfg.StorageDirectory = storage;
cfg.IndexDirectory = storage;
cfg.HttpPort = Number(port); // must be an integer: Orthanc has no bind-address option
cfg.DicomWeb = { ...cfg.DicomWeb, Host: `127.0.0.1:${port}` };
process.stdout.write(JSON.stringify(cfg, null, 2) + '\n');
