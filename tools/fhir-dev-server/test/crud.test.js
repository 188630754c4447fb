// Check suite §2.5: CRUD, versions, headers, validation (§2.4), return=minimal, metadata.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, imagingStudy, observation, startServer } from './helpers.js';

let srv;
before(async () => {
  srv = await startServer();
});
after(() => srv.stop());

describe('crud', () => {
  it('creates, reads, updates, deletes and re-creates with integer versions', async () => {
    const b = srv.base;
    const created = await call(b, 'POST', '/Observation', observation('crud-1'));
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('etag'), 'W/"1"');
    const id = created.body.id;
    assert.equal(created.headers.get('location'), `${b}/Observation/${id}/_history/1`);
    assert.ok(created.headers.get('last-modified'));

    const read = await call(b, 'GET', `/Observation/${id}`);
    assert.equal(read.status, 200);
    assert.equal(read.headers.get('etag'), 'W/"1"');
    assert.equal(read.body.meta.versionId, '1');

    const v2 = { ...read.body, status: 'amended' };
    const upd = await call(b, 'PUT', `/Observation/${id}`, v2, { 'If-Match': 'W/"1"' });
    assert.equal(upd.status, 200);
    assert.equal(upd.headers.get('etag'), 'W/"2"');

    const stale = await call(b, 'PUT', `/Observation/${id}`, { ...v2, status: 'final' }, { 'If-Match': 'W/"1"' });
    assert.equal(stale.status, 412);
    const staleDel = await call(b, 'DELETE', `/Observation/${id}`, undefined, { 'If-Match': 'W/"1"' });
    assert.equal(staleDel.status, 412);

    const same = await call(b, 'PUT', `/Observation/${id}`, v2);
    assert.equal(same.status, 200);
    assert.equal(same.headers.get('etag'), 'W/"2"', 'identical PUT makes no version');

    const del = await call(b, 'DELETE', `/Observation/${id}`);
    assert.equal(del.status, 204);
    const goneRead = await call(b, 'GET', `/Observation/${id}`);
    assert.equal(goneRead.status, 410);
    assert.equal(goneRead.body.issue[0].code, 'deleted');

    const recreate = await call(b, 'PUT', `/Observation/${id}`, { ...v2, meta: undefined });
    assert.equal(recreate.status, 201);
    assert.equal(recreate.headers.get('etag'), 'W/"4"');
    assert.equal(recreate.headers.get('location'), `${b}/Observation/${id}/_history/4`);
  });

  it('returns 404 for an unknown id and assigns server ids on POST', async () => {
    assert.equal((await call(srv.base, 'GET', '/Observation/does-not-exist')).status, 404);
    const res = await call(srv.base, 'POST', '/Observation', observation('crud-2', { id: 'client-id' }));
    assert.equal(res.status, 201);
    assert.notEqual(res.body.id, 'client-id');
    assert.match(res.body.id, /^[0-9a-f-]{36}$/);
  });

  it('creates on PUT to a new id with 201 and Location', async () => {
    const res = await call(srv.base, 'PUT', '/ImagingStudy/study-a', imagingStudy('1.2.3', { id: 'study-a' }));
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('location'), `${srv.base}/ImagingStudy/study-a/_history/1`);
  });

  it('honours Prefer: return=minimal', async () => {
    const res = await call(srv.base, 'POST', '/Observation', observation('crud-3'), { Prefer: 'return=minimal' });
    assert.equal(res.status, 201);
    assert.equal(res.body, undefined);
    assert.equal(res.headers.get('etag'), 'W/"1"');
    assert.ok(res.headers.get('location'));
  });

  it('serves a CapabilityStatement at /metadata', async () => {
    const res = await call(srv.base, 'GET', '/metadata');
    assert.equal(res.status, 200);
    assert.equal(res.body.resourceType, 'CapabilityStatement');
    assert.equal(res.body.fhirVersion, '4.0.1');
    assert.ok(res.body.rest[0].resource.some((r) => r.type === 'ImagingStudy'));
  });
});

describe('validation', () => {
  const bad = [
    ['ImagingStudy without status', '/ImagingStudy', imagingStudy('9.1', { status: undefined }), /Missing required property/],
    ['ImagingStudy without subject', '/ImagingStudy', imagingStudy('9.2', { subject: undefined }), /Missing required property/],
    ['series without modality', '/ImagingStudy', imagingStudy('9.3', { series: [{ uid: '9.3.1' }] }), /Missing required property/],
    ['Endpoint without address', '/Endpoint', { resourceType: 'Endpoint', status: 'active', connectionType: { code: 'dicom-wado-rs' }, payloadType: [{ text: 'DICOM' }] }, /Missing required property/],
    ['Observation without code', '/Observation', observation('v1', { code: undefined }), /Missing required property/],
    ['unknown field', '/Observation', observation('v2', { colour: 'red' }), /additional property/],
    ['string quantity value', '/Observation', observation('v3', { valueQuantity: { value: '72' } }), /./],
    ['bad dateTime', '/Observation', observation('v4', { effectiveDateTime: '2024-13-45' }), /./],
    ['name as object', '/Patient', { resourceType: 'Patient', name: { family: 'X' } }, /array/i],
    ['instance number as string', '/ImagingStudy', imagingStudy('9.4', { series: [{ uid: '9.4.1', modality: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' }, instance: [{ uid: '9.4.1.1', sopClass: { system: 'urn:ietf:rfc:3986', code: 'urn:oid:1.2' }, number: 'one' }] }] }), /./],
    ['Observation status done', '/Observation', observation('v5', { status: 'done' }), /required value set/],
    ['Patient gender m', '/Patient', { resourceType: 'Patient', gender: 'm' }, /required value set/],
    ['wrong resourceType', '/Patient', observation('v6'), /Incorrect resource type/],
  ];
  for (const [name, path, body, text] of bad) {
    it(`rejects ${name}`, async () => {
      const res = await call(srv.base, 'POST', path, body);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.resourceType, 'OperationOutcome');
      assert.match(JSON.stringify(res.body), text);
    });
  }

  it('rejects a body that is not JSON, a mismatched id and a bad id', async () => {
    assert.equal((await call(srv.base, 'POST', '/Patient', '{not json')).status, 400);
    const p = { resourceType: 'Patient', id: 'xyz' };
    assert.equal((await call(srv.base, 'PUT', '/Patient/abc', p)).status, 400);
    assert.equal((await call(srv.base, 'PUT', '/Patient/bad!id', { ...p, id: 'bad!id' })).status, 400);
  });

  it('reports several structural errors in one outcome', async () => {
    const res = await call(srv.base, 'POST', '/ImagingStudy', imagingStudy('9.5', { status: undefined, subject: undefined }));
    assert.equal(res.status, 400);
    assert.ok(res.body.issue.length >= 2, JSON.stringify(res.body));
  });

  it('accepts a wrong reference target and a dangling reference (engine only warns)', async () => {
    const res = await call(srv.base, 'POST', '/Observation', observation('v7', { subject: { reference: 'Endpoint/e1' } }));
    assert.equal(res.status, 201);
  });

  it('validates PATCH results', async () => {
    const c = await call(srv.base, 'POST', '/Observation', observation('v8'));
    const ok = await call(srv.base, 'PATCH', `/Observation/${c.body.id}`, [{ op: 'replace', path: '/status', value: 'amended' }], { 'Content-Type': 'application/json-patch+json' });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('etag'), 'W/"2"');
    const bad = await call(srv.base, 'PATCH', `/Observation/${c.body.id}`, [{ op: 'replace', path: '/status', value: 'done' }], { 'Content-Type': 'application/json-patch+json' });
    assert.equal(bad.status, 400);
  });
});

describe('edge requests', () => {
  it('rejects bad paging values, unknown types and conditional writes without criteria', async () => {
    const b = srv.base;
    assert.equal((await call(b, 'GET', '/Observation?_count=abc')).status, 400);
    assert.equal((await call(b, 'GET', '/Observation?_offset=-1')).status, 400);
    assert.equal((await call(b, 'GET', '/NotAType')).status, 400);
    assert.equal((await call(b, 'POST', '/NotAType', { resourceType: 'NotAType' })).status, 400);
    await call(b, 'PUT', '/Device/only-one', { resourceType: 'Device', id: 'only-one', status: 'active' });
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const body = method === 'DELETE' ? undefined : method === 'PUT' ? { resourceType: 'Device', status: 'inactive' } : [];
      const res = await call(b, method, '/Device', body);
      assert.equal(res.status, 400, method);
    }
    const still = await call(b, 'GET', '/Device/only-one');
    assert.equal(still.status, 200);
    assert.equal(still.body.status, 'active');
  });

  it('caps _count at FHIR_MAX_COUNT and deletes a missing resource idempotently', async () => {
    const res = await call(srv.base, 'GET', '/Observation?_count=5000');
    assert.equal(res.status, 200);
    assert.match(res.body.link[0].url, /_count=1000/);
    assert.equal((await call(srv.base, 'DELETE', '/Observation/never-existed')).status, 204);
  });
});
