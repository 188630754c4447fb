// Check suite §2.5: append-only data file survives kill -9.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { call, imagingStudy, startServer } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'fhir-dev-server-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('replays versions, history, deletions and the identifier index after kill -9', async () => {
  const dataFile = join(dir, 'data.jsonl');
  let srv = await startServer({ FHIR_DATA_FILE: dataFile });
  const b1 = srv.base;
  await call(b1, 'PUT', '/ImagingStudy/s1', imagingStudy('5.5.1', { id: 's1' }));
  await call(b1, 'PUT', '/ImagingStudy/s1', imagingStudy('5.5.1', { id: 's1', description: 'second' }));
  await call(b1, 'PUT', '/ImagingStudy/s2', imagingStudy('5.5.2', { id: 's2' }));
  assert.equal((await call(b1, 'DELETE', '/ImagingStudy/s2')).status, 204);
  const failed = await call(b1, 'POST', '/', {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { resource: imagingStudy('5.5.3', { id: 's3' }), request: { method: 'PUT', url: 'ImagingStudy/s3' } },
      { resource: imagingStudy('5.5.4', { id: 's4', status: 'done' }), request: { method: 'PUT', url: 'ImagingStudy/s4' } },
    ],
  });
  assert.equal(failed.status, 400);
  await srv.stop('SIGKILL');
  assert.equal(readFileSync(dataFile, 'utf8').trim().split('\n').length, 4);

  srv = await startServer({ FHIR_DATA_FILE: dataFile });
  const b = srv.base;
  const s1 = await call(b, 'GET', '/ImagingStudy/s1');
  assert.equal(s1.status, 200);
  assert.equal(s1.headers.get('etag'), 'W/"2"');
  const h = await call(b, 'GET', '/ImagingStudy/s1/_history');
  assert.deepEqual(h.body.entry.map((e) => e.resource.meta.versionId), ['2', '1']);
  const found = await call(b, 'GET', '/ImagingStudy?identifier=urn:dicom:uid|urn:oid:5.5.1');
  assert.equal(found.body.total, 1);
  assert.equal((await call(b, 'GET', '/ImagingStudy/s2')).status, 410);
  assert.equal((await call(b, 'GET', '/ImagingStudy/s3')).status, 404);
  const upd = await call(b, 'PUT', '/ImagingStudy/s1', { ...s1.body, description: 'third' }, { 'If-Match': 'W/"2"' });
  assert.equal(upd.status, 200);
  assert.equal(upd.headers.get('etag'), 'W/"3"');
  const re = await call(b, 'PUT', '/ImagingStudy/s2', imagingStudy('5.5.2', { id: 's2' }));
  assert.equal(re.headers.get('etag'), 'W/"3"');
  await srv.stop();
});

it('refuses to start on a torn last line and names it', async () => {
  const dataFile = join(dir, 'torn.jsonl');
  writeFileSync(dataFile, '{"op":"put","r":{"resourceType":"Patient","id":"a","meta":{"versionId":"1"}}}\n{"op":"pu');
  await assert.rejects(startServer({ FHIR_DATA_FILE: dataFile }), /torn\.jsonl:2: .*last line/);
});
