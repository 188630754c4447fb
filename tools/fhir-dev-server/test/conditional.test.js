// Check suite §2.5: conditional create/update, concurrency, transactions and batches.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, imagingStudy, observation, startServer } from './helpers.js';

let srv;
before(async () => {
  srv = await startServer();
});
after(() => srv.stop());

describe('conditional create', () => {
  it('creates once, then returns the existing resource', async () => {
    const hdr = { 'If-None-Exist': 'identifier=urn:test:obs|cc-1' };
    const first = await call(srv.base, 'POST', '/Observation', observation('cc-1'), hdr);
    assert.equal(first.status, 201);
    const second = await call(srv.base, 'POST', '/Observation', observation('cc-1'), hdr);
    assert.equal(second.status, 200);
    assert.equal(second.body.id, first.body.id);
    assert.equal(second.headers.get('etag'), 'W/"1"');
  });

  it('answers 412 multiple-matches for two matches', async () => {
    await call(srv.base, 'POST', '/Observation', observation('cc-dup'));
    await call(srv.base, 'POST', '/Observation', observation('cc-dup'));
    const res = await call(srv.base, 'POST', '/Observation', observation('cc-dup'), {
      'If-None-Exist': 'identifier=urn:test:obs|cc-dup',
    });
    assert.equal(res.status, 412);
    assert.equal(res.body.issue[0].code, 'multiple-matches');
  });

  it('creates each of 500 identifiers exactly once under 20 concurrent clients', async () => {
    const n = 500;
    const jobs = [];
    for (let i = 0; i < 2 * n; i++) {
      jobs.push(`load-${i % n}`);
    }
    const statuses = new Map();
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const value = jobs[next++];
        const res = await call(srv.base, 'POST', '/Observation', observation(value), {
          'If-None-Exist': `identifier=urn:test:obs|${value}`,
          Prefer: 'return=minimal',
        });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 20 }, worker));
    assert.deepEqual([...statuses.keys()].sort(), [200, 201]);
    assert.equal(statuses.get(201), n);
    assert.equal(statuses.get(200), n);
    const count = await call(srv.base, 'GET', '/Observation?identifier=urn:test:obs|load-7&_summary=count');
    assert.equal(count.body.total, 1);
  });
});

describe('conditional update', () => {
  const uid = '1.2.840.99.1';
  const url = `/ImagingStudy?identifier=urn:dicom:uid|urn:oid:${uid}`;

  it('creates, updates, checks If-Match and rejects ambiguous or mismatched requests', async () => {
    const first = await call(srv.base, 'PUT', url, imagingStudy(uid));
    assert.equal(first.status, 201);
    const second = await call(srv.base, 'PUT', encodeURI(url).replace('|', '%7C'), imagingStudy(uid, { description: 'x' }));
    assert.equal(second.status, 200);
    assert.equal(second.headers.get('etag'), 'W/"2"');
    assert.equal(second.body.id, first.body.id);
    const stale = await call(srv.base, 'PUT', url, imagingStudy(uid, { description: 'y' }), { 'If-Match': 'W/"1"' });
    assert.equal(stale.status, 412);

    const none = await call(srv.base, 'PUT', '/ImagingStudy?identifier=urn:dicom:uid|urn:oid:1.9.9', imagingStudy('1.9.9', { id: 'given' }));
    assert.equal(none.status, 400);

    await call(srv.base, 'POST', '/ImagingStudy', imagingStudy('1.8.8'));
    await call(srv.base, 'POST', '/ImagingStudy', imagingStudy('1.8.8'));
    const two = await call(srv.base, 'PUT', '/ImagingStudy?identifier=urn:dicom:uid|urn:oid:1.8.8', imagingStudy('1.8.8'));
    assert.equal(two.status, 412);
  });
});

function txBundle(type, suffix) {
  const patientUrl = 'urn:uuid:8f1c1b6e-0000-4000-8000-00000000000' + suffix;
  const p = { resourceType: 'Patient', identifier: [{ system: 'urn:test:pat', value: `tx-${suffix}` }], gender: 'female' };
  return {
    resourceType: 'Bundle',
    type,
    entry: [
      { fullUrl: patientUrl, resource: p, request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=urn:test:pat|tx-${suffix}` } },
      {
        fullUrl: 'urn:uuid:8f1c1b6e-0000-4000-8000-10000000000' + suffix,
        resource: observation(`tx-obs-${suffix}`, { subject: { reference: patientUrl } }),
        request: { method: 'POST', url: 'Observation', ifNoneExist: `identifier=urn:test:obs|tx-obs-${suffix}` },
      },
      {
        resource: imagingStudy(`7.7.${suffix}`, { subject: { reference: patientUrl } }),
        request: { method: 'PUT', url: `ImagingStudy?identifier=urn:dicom:uid|urn:oid:7.7.${suffix}` },
      },
      {
        resource: { resourceType: 'Endpoint', id: `ep-${suffix}`, status: 'active', connectionType: { system: 'http://terminology.hl7.org/CodeSystem/endpoint-connection-type', code: 'dicom-wado-rs' }, payloadType: [{ text: 'DICOM' }], address: 'http://127.0.0.1:8042/dicom-web' },
        request: { method: 'PUT', url: `Endpoint/ep-${suffix}` },
      },
      {
        fullUrl: 'urn:uuid:8f1c1b6e-0000-4000-8000-20000000000' + suffix,
        resource: observation(`tx-obs2-${suffix}`, { subject: { reference: patientUrl } }),
        request: { method: 'POST', url: 'Observation', ifNoneExist: `identifier=urn:test:obs|tx-obs2-${suffix}` },
      },
    ],
  };
}

describe('transaction', () => {
  it('commits five entries with entry responses, then repeats idempotently', async () => {
    const res = await call(srv.base, 'POST', '/', txBundle('transaction', '1'));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.type, 'transaction-response');
    for (const e of res.body.entry) {
      assert.equal(e.response.status, '201');
      assert.match(e.response.location, /\/_history\/1$/);
      assert.equal(e.response.etag, 'W/"1"');
      assert.ok(e.response.lastModified);
    }
    const patientId = res.body.entry[0].resource.id;
    assert.equal(res.body.entry[1].resource.subject.reference, `Patient/${patientId}`);
    assert.equal(res.body.entry[2].resource.subject.reference, `Patient/${patientId}`);

    const again = await call(srv.base, 'POST', '/', txBundle('transaction', '1'));
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.deepEqual(again.body.entry.map((e) => e.response.status), ['200', '200', '200', '200', '200']);
    const pats = await call(srv.base, 'GET', '/Patient?identifier=urn:test:pat|tx-1');
    assert.equal(pats.body.total, 1);
    const studies = await call(srv.base, 'GET', '/ImagingStudy?identifier=urn:dicom:uid|urn:oid:7.7.1');
    assert.equal(studies.body.total, 1);
  });

  it('persists nothing when one entry is invalid, but a batch applies the valid entries', async () => {
    const tx = txBundle('transaction', '2');
    tx.entry[4].resource.status = 'done';
    const res = await call(srv.base, 'POST', '/', tx);
    assert.equal(res.status, 400);
    for (const q of ['/Patient?identifier=urn:test:pat|tx-2', '/Observation?identifier=urn:test:obs|tx-obs-2', '/ImagingStudy?identifier=urn:dicom:uid|urn:oid:7.7.2']) {
      assert.equal((await call(srv.base, 'GET', q)).body.total, 0, q);
    }
    assert.equal((await call(srv.base, 'GET', '/Endpoint/ep-2')).status, 404);

    const batch = { ...tx, type: 'batch' };
    const b = await call(srv.base, 'POST', '/', batch);
    assert.equal(b.status, 200);
    assert.deepEqual(b.body.entry.map((e) => e.response.status), ['201', '201', '201', '201', '400']);
  });
});

describe('large transaction', () => {
  it('accepts 20 conditional creates and 60 updates in one transaction', async () => {
    const entry = [];
    for (let i = 0; i < 20; i++) {
      entry.push({ resource: observation(`big-${i}`), request: { method: 'POST', url: 'Observation', ifNoneExist: `identifier=urn:test:obs|big-${i}` } });
    }
    for (let i = 0; i < 60; i++) {
      entry.push({ resource: { resourceType: 'Patient', id: `big-${i}`, gender: 'unknown' }, request: { method: 'PUT', url: `Patient/big-${i}` } });
    }
    const res = await call(srv.base, 'POST', '/', { resourceType: 'Bundle', type: 'transaction', entry }, { Prefer: 'return=minimal' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.entry.length, 80);
    assert.ok(res.body.entry.every((e) => e.response.status === '201' && e.resource === undefined));
    const del = await call(srv.base, 'POST', '/', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { request: { method: 'DELETE', url: 'Patient/big-1' } },
        { request: { method: 'DELETE', url: 'Observation?identifier=urn:test:obs|big-2' } },
      ],
    });
    assert.equal(del.status, 200, JSON.stringify(del.body));
    assert.deepEqual(del.body.entry.map((e) => e.response.status), ['204', '204']);
    assert.equal((await call(srv.base, 'GET', '/Patient/big-1')).status, 410);
    assert.equal((await call(srv.base, 'GET', '/Observation?identifier=urn:test:obs|big-2')).body.total, 0);
    const tooMany = { resourceType: 'Bundle', type: 'batch', entry: Array.from({ length: 501 }, () => entry[0]) };
    assert.equal((await call(srv.base, 'POST', '/', tooMany)).status, 400);
  });
});
