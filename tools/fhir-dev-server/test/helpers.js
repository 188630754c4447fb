// Test helpers: start the server as a child process on a free port and talk to it.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const mainPath = fileURLToPath(new URL('../src/main.js', import.meta.url));

/**
 * Starts the server with PORT=0 and waits until it prints its address.
 * @param {Record<string, string>} [env]
 * @returns {Promise<{base: string, proc: import('node:child_process').ChildProcess, stop: (signal?: string) => Promise<void>}>}
 */
export async function startServer(env = {}) {
  const proc = spawn(process.execPath, [mainPath], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', FHIR_DATA_FILE: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (d) => {
    stderr += d;
  });
  const base = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start in 20 s: ${stderr}`)), 20_000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${stderr}`));
    });
  });
  const stop = (signal = 'SIGTERM') =>
    new Promise((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        resolve();
        return;
      }
      proc.once('exit', () => resolve());
      proc.kill(signal);
    });
  return { base, proc, stop };
}

/**
 * Sends one request.
 * @returns {Promise<{status: number, headers: Headers, body: any}>}
 */
export async function call(base, method, path, body, headers = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { 'Content-Type': 'application/fhir+json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** A valid Observation with the given identifier value. */
export function observation(value, extra = {}) {
  return {
    resourceType: 'Observation',
    identifier: [{ system: 'urn:test:obs', value }],
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
    subject: { reference: 'Patient/p1' },
    effectiveDateTime: '2024-01-01T10:00:00Z',
    valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
    ...extra,
  };
}

/** A valid ImagingStudy with the given Study Instance UID. */
export function imagingStudy(uid, extra = {}) {
  return {
    resourceType: 'ImagingStudy',
    identifier: [{ system: 'urn:dicom:uid', value: `urn:oid:${uid}` }],
    status: 'available',
    subject: { reference: 'Patient/p1' },
    series: [
      {
        uid: `${uid}.1`,
        modality: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' },
      },
    ],
    ...extra,
  };
}
