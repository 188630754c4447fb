// Check suite §2.5: search, paging, sorting, includes, strictness and _history.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, observation, startServer } from './helpers.js';

let srv;
before(async () => {
  srv = await startServer();
  const b = srv.base;
  await call(b, 'PUT', '/Patient/p1', { resourceType: 'Patient', id: 'p1', gender: 'male' });
  for (let day = 1; day <= 10; day++) {
    const d = String(day).padStart(2, '0');
    await call(b, 'POST', '/Observation', observation(`s-${d}`, { effectiveDateTime: `2024-03-${d}T08:00:00Z` }));
  }
  await call(b, 'POST', '/Observation', observation('other-code', {
    code: { coding: [{ system: 'http://loinc.org', code: '8310-5' }] },
    effectiveDateTime: '2024-03-05T08:00:00Z',
  }));
});
after(() => srv.stop());

const hr = 'subject=Patient/p1&code=http://loinc.org|8867-4';

describe('search', () => {
  it('finds by identifier, case-insensitively, with system or value only', async () => {
    for (const q of ['identifier=urn:test:obs|s-03', 'identifier=URN:TEST:OBS|S-03', 'identifier=s-03', 'identifier=urn:test:obs%7Cs-03']) {
      const res = await call(srv.base, 'GET', `/Observation?${q}`);
      assert.equal(res.status, 200);
      assert.equal(res.body.total, 1, q);
      assert.equal(res.body.entry[0].resource.identifier[0].value, 's-03');
      assert.match(res.body.entry[0].fullUrl, /^http:\/\/127\.0\.0\.1:\d+\/Observation\//);
    }
    assert.equal((await call(srv.base, 'GET', '/Observation?identifier=urn:other|s-03')).body.total, 0);
    assert.equal((await call(srv.base, 'GET', '/Observation?identifier=urn:test:obs|s-03,urn:test:obs|s-04')).body.total, 2);
  });

  it('reads many ids with _id=a,b,… straight from the store, deleted ones excluded', async () => {
    const ids = [];
    for (const g of ['female', 'male', 'other']) {
      ids.push((await call(srv.base, 'POST', '/Patient', { resourceType: 'Patient', gender: g })).body.id);
    }
    await call(srv.base, 'DELETE', `/Patient/${ids[2]}`);
    const res = await call(srv.base, 'GET', `/Patient?_id=${ids.join(',')},nope&_count=10`);
    assert.equal(res.status, 200);
    assert.equal(res.body.total, 2);
    assert.deepEqual(res.body.entry.map((e) => e.resource.id).sort(), ids.slice(0, 2).sort());
    const both = await call(srv.base, 'GET', `/Patient?_id=${ids[0]}&gender=male`);
    assert.equal(both.body.total, 0, 'the other filters still apply');
  });

  it('combines subject, code and date ranges', async () => {
    const res = await call(srv.base, 'GET', `/Observation?${hr}&date=ge2024-03-03&date=lt2024-03-07`);
    assert.equal(res.body.total, 4);
    const all = await call(srv.base, 'GET', `/Observation?${hr}`);
    assert.equal(all.body.total, 10);
  });

  it('pages with _count and next/previous links', async () => {
    const pages = [];
    let url = `/Observation?${hr}&_count=4`;
    while (url) {
      const res = await call(srv.base, 'GET', url);
      assert.equal(res.body.total, 10);
      pages.push(res.body);
      const next = res.body.link.find((l) => l.relation === 'next');
      url = next ? next.url.slice(srv.base.length) : undefined;
    }
    assert.deepEqual(pages.map((p) => p.entry.length), [4, 4, 2]);
    assert.equal(pages[0].link.find((l) => l.relation === 'previous'), undefined);
    assert.match(pages[1].link.find((l) => l.relation === 'previous').url, /_count=4(&|$)/);
    assert.doesNotMatch(pages[1].link.find((l) => l.relation === 'previous').url, /_offset/);
    assert.match(pages[2].link.find((l) => l.relation === 'previous').url, /_offset=4/);
    const ids = new Set(pages.flatMap((p) => p.entry.map((e) => e.resource.id)));
    assert.equal(ids.size, 10);
  });

  it('defaults to 10 entries per page', async () => {
    for (let i = 0; i < 3; i++) {
      await call(srv.base, 'POST', '/Patient', { resourceType: 'Patient', gender: 'other' });
    }
    const res = await call(srv.base, 'GET', '/Observation');
    assert.equal(res.body.total, 11);
    assert.equal(res.body.entry.length, 10);
  });

  it('sorts by -date', async () => {
    const res = await call(srv.base, 'GET', `/Observation?${hr}&_sort=-date&_count=3`);
    assert.deepEqual(res.body.entry.map((e) => e.resource.identifier[0].value), ['s-10', 's-09', 's-08']);
  });

  it('counts with _summary=count', async () => {
    const res = await call(srv.base, 'GET', `/Observation?${hr}&_summary=count`);
    assert.equal(res.body.total, 10);
    assert.equal(res.body.entry, undefined);
  });

  it('includes the subject with _include', async () => {
    const res = await call(srv.base, 'GET', '/Observation?identifier=s-01&_include=Observation:subject');
    assert.deepEqual(res.body.entry.map((e) => e.resource.resourceType).sort(), ['Observation', 'Patient']);
  });

  it('rejects bad dates and unknown parameters unless lenient', async () => {
    assert.equal((await call(srv.base, 'GET', '/Observation?date=notadate')).status, 400);
    const unknown = await call(srv.base, 'GET', '/Observation?identifer=s-01');
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.issue[0].details.text, /Unknown search parameter: identifer/);
    const lenient = await call(srv.base, 'GET', `/Observation?${hr}&identifer=s-01`, undefined, { Prefer: 'handling=lenient' });
    assert.equal(lenient.status, 200);
    assert.equal(lenient.body.total, 10);
    const strict = await call(srv.base, 'GET', '/Observation?identifer=s-01', undefined, { Prefer: 'handling=strict' });
    assert.equal(strict.status, 400);
  });
});

describe('history', () => {
  it('lists versions newest first on every call, pages, and reads versions', async () => {
    const b = srv.base;
    const c = await call(b, 'POST', '/Observation', observation('h-1', { status: 'preliminary' }));
    const id = c.body.id;
    await call(b, 'PUT', `/Observation/${id}`, { ...c.body, status: 'final' });
    await call(b, 'PUT', `/Observation/${id}`, { ...c.body, status: 'amended' });
    for (let i = 0; i < 3; i++) {
      const h = await call(b, 'GET', `/Observation/${id}/_history`);
      assert.equal(h.body.total, 3);
      assert.deepEqual(h.body.entry.map((e) => e.resource.meta.versionId), ['3', '2', '1']);
    }
    const page = await call(b, 'GET', `/Observation/${id}/_history?_count=1&_offset=1`);
    assert.deepEqual(page.body.entry.map((e) => e.resource.meta.versionId), ['2']);
    const v2 = await call(b, 'GET', `/Observation/${id}/_history/2`);
    assert.equal(v2.status, 200);
    assert.equal(v2.headers.get('etag'), 'W/"2"');
    assert.equal(v2.body.status, 'final');
    assert.equal((await call(b, 'GET', `/Observation/${id}/_history/9`)).status, 404);
    assert.equal((await call(b, 'GET', '/ImagingStudy/_history')).status, 404);
    await call(b, 'DELETE', `/Observation/${id}`);
    const afterDelete = await call(b, 'GET', `/Observation/${id}/_history`);
    assert.equal(afterDelete.status, 200);
    assert.equal(afterDelete.body.total, 3);
  });
});
