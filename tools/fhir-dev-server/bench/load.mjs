// Small load measurement against a fresh memory-only server on a free loopback port:
//   node bench/load.mjs [n]
// Bounded: n requests per phase (default 2000), 1 or 20 clients; prints req/s, p50 and p99.
import { call, observation, startServer } from '../test/helpers.js';

const n = Number(process.argv[2] ?? 2000);
const srv = await startServer();

async function phase(name, count, clients, makeRequest) {
  const lat = [];
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const s = performance.now();
      const res = await makeRequest(i);
      lat.push(performance.now() - s);
      if (res.status >= 300) {
        throw new Error(`${name}: request ${i}: status ${res.status}`);
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, worker));
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(1);
  console.log(`${name.padEnd(36)} n=${count} clients=${clients} ${(count / secs).toFixed(0)} req/s p50 ${q(0.5)} ms p99 ${q(0.99)} ms`);
}

const min = { Prefer: 'return=minimal' };
try {
  await phase('POST Observation', n, 1, (i) => call(srv.base, 'POST', '/Observation', observation(`a-${i}`), min));
  await phase('POST Observation', n, 20, (i) => call(srv.base, 'POST', '/Observation', observation(`b-${i}`), min));
  const cond = (i) => call(srv.base, 'POST', '/Observation', observation(`c-${i}`), { ...min, 'If-None-Exist': `identifier=urn:test:obs|c-${i}` });
  await phase('POST If-None-Exist, new', n / 4, 20, cond);
  await phase('POST If-None-Exist, existing', n / 4, 20, cond);
  await phase('GET Observation?identifier=', n / 4, 20, (i) => call(srv.base, 'GET', `/Observation?identifier=urn:test:obs|a-${i}`));
  await phase('GET subject+code+date (linear scan)', 50, 20, () =>
    call(srv.base, 'GET', '/Observation?subject=Patient/p1&code=http://loinc.org|8867-4&date=ge2024-01-01&_count=10'));
  const rss = Number((await import('node:fs')).readFileSync(`/proc/${srv.proc.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]);
  console.log(`server RSS after the run: ${(rss / 1024).toFixed(0)} MB`);
} finally {
  await srv.stop();
}
