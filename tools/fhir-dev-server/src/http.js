// The node:http front end: body parsing, the write queue, status codes and FHIR headers.
import { badRequest, getStatus, isOk, normalizeOperationOutcome } from '@medplum/core';
import { createServer } from 'node:http';

const fhirJson = 'application/fhir+json; charset=utf-8';
const maxBody = 64 * 1024 * 1024;
const singleResource = new Set(['create', 'read', 'vread', 'update', 'patch']);

/**
 * Creates the HTTP server.
 * @param {object} deps
 * @param {import('@medplum/fhir-router').FhirRouter} deps.router
 * @param {import('./store.js').Store} deps.store
 * @param {object} deps.capability - the CapabilityStatement served at /metadata.
 * @param {{strictSearch: boolean, defaultCount: number, maxCount: number}} deps.config
 * @param {(msg: string) => void} deps.log - error log (no request data).
 * @returns {import('node:http').Server}
 */
export function makeServer({ router, store, capability, config, log }) {
  let tail = Promise.resolve();
  /** Runs writes one at a time, in arrival order. */
  const serialise = (fn) => {
    const p = tail.then(fn);
    tail = p.catch(() => {});
    return p;
  };

  return createServer((req, res) => {
    readBody(req)
      .then((raw) => handle(req, raw))
      .then((out) => send(res, out))
      .catch((err) => {
        log(`internal error: ${err?.stack ?? err}`);
        send(res, { status: 500, body: normalizeOperationOutcome(err) });
      });
  });

  async function handle(req, raw) {
    const baseUrl = `http://${req.headers.host ?? `${config.host}:${config.port}`}`;
    const target = new URL(req.url ?? '/', baseUrl);
    const path = target.pathname.replace(/^\/+|\/+$/g, '');
    const method = req.method ?? 'GET';
    if (path === 'metadata' && method === 'GET') {
      return { status: 200, body: capability };
    }
    let body;
    if (method === 'POST' && path.endsWith('/_search')) {
      body = Object.fromEntries(target.searchParams);
      Object.assign(body, Object.fromEntries(new URLSearchParams(raw.toString('utf8'))));
    } else if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch (err) {
        return { status: 400, body: badRequest(`Request body is not valid JSON: ${err.message}`) };
      }
    } else if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
      return { status: 400, body: badRequest('Request body is empty') };
    }
    const prefer = String(req.headers.prefer ?? '');
    const fhirReq = {
      method,
      url: path + target.search,
      pathname: '',
      params: {},
      query: {},
      body,
      headers: req.headers,
      config: {
        transactions: true,
        baseUrl,
        lenient: !config.strictSearch,
        defaultCount: config.defaultCount,
        maxCount: config.maxCount,
      },
    };
    const run = () => router.handleRequest(fhirReq, store);
    const [outcome, resource] = method === 'GET' ? await run() : await serialise(run);
    const status = getStatus(outcome);
    if (!isOk(outcome)) {
      if (status >= 500) {
        log(`${method} ${path.split('/')[0]}: ${status} ${outcome.issue?.[0]?.details?.text ?? ''}`);
      }
      return { status, body: outcome };
    }
    const interaction = router.find(method, fhirReq.url)?.data?.interaction;
    if (method === 'DELETE') {
      return { status: 204 };
    }
    const returnPref = /return=(minimal|representation|OperationOutcome)/i.exec(prefer)?.[1]?.toLowerCase();
    if (interaction === 'batch' && resource?.resourceType === 'Bundle') {
      decorateBatch(resource, body, baseUrl, returnPref === 'minimal');
      return { status: 200, body: resource };
    }
    if (singleResource.has(interaction) && resource?.meta?.versionId) {
      const headers = resourceHeaders(resource, baseUrl, status);
      const write = method !== 'GET';
      if (write && returnPref === 'minimal') {
        return { status, headers };
      }
      if (write && returnPref === 'operationoutcome') {
        return { status, headers, body: outcome };
      }
      return { status, headers, body: resource };
    }
    return { status, body: resource ?? outcome };
  }
}

/** ETag, Last-Modified and (on 201) Location for one stored resource. */
function resourceHeaders(resource, baseUrl, status) {
  const headers = {
    ETag: `W/"${resource.meta.versionId}"`,
    'Last-Modified': new Date(resource.meta.lastUpdated).toUTCString(),
  };
  const loc = `${baseUrl}/${resource.resourceType}/${resource.id}/_history/${resource.meta.versionId}`;
  if (status === 201) {
    headers.Location = loc;
  } else {
    headers['Content-Location'] = loc;
  }
  return headers;
}

/**
 * Adds etag, lastModified, location and fullUrl to batch/transaction entry responses; a
 * successful DELETE entry answers "204" like a plain DELETE.
 */
function decorateBatch(bundle, request, baseUrl, minimal) {
  for (const [i, entry] of (bundle.entry ?? []).entries()) {
    const response = entry?.response;
    if (!response) {
      continue;
    }
    if (request?.entry?.[i]?.request?.method === 'DELETE' && response.status === '200' && !entry.resource) {
      response.status = '204';
    }
    const ok = response.status?.startsWith('2');
    const r = entry.resource;
    if (ok && r?.meta?.versionId && r.resourceType !== 'Bundle') {
      entry.fullUrl = `${baseUrl}/${r.resourceType}/${r.id}`;
      response.etag = `W/"${r.meta.versionId}"`;
      response.lastModified = r.meta.lastUpdated;
      response.location = `${baseUrl}/${r.resourceType}/${r.id}/_history/${r.meta.versionId}`;
    }
    if (ok) {
      delete response.outcome;
      if (minimal) {
        delete entry.resource;
      }
    }
  }
}

function send(res, { status, headers, body }) {
  if (res.headersSent) {
    res.end();
    return;
  }
  const payload = body === undefined ? undefined : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    ...(payload !== undefined ? { 'Content-Type': fhirJson, 'Content-Length': Buffer.byteLength(payload) } : undefined),
  });
  res.end(payload);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > maxBody) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
