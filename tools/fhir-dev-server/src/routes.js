// Medplum's FhirRouter with the dev server's own handlers for update, search and history.
import { OperationOutcomeError, allOk, badRequest, created, parseSearchRequest } from '@medplum/core';
import { BatchProcessor, FhirRouter } from '@medplum/fhir-router';

/** Entry limit of one batch or transaction Bundle (the Azure FHIR service's default). */
export const maxBundleEntries = 500;

/**
 * Per-request settings carried on FhirRequest.config (the batch processor passes config on to
 * every entry).
 * @typedef {object} RequestConfig
 * @property {boolean} transactions - always true: transactions are atomic.
 * @property {string} baseUrl - e.g. http://127.0.0.1:8080
 * @property {boolean} lenient - drop unknown search parameters.
 * @property {number} defaultCount
 * @property {number} maxCount
 */

/** @returns {FhirRouter} the router with overridden update, search and history routes. */
export function makeRouter() {
  const router = new FhirRouter();
  replace(router, 'POST', '', batchHandler);
  replace(router, 'PUT', ':resourceType/:id', updateHandler);
  replace(router, 'GET', ':resourceType', searchHandler);
  replace(router, 'POST', ':resourceType/_search', searchByPostHandler);
  replace(router, 'GET', ':resourceType/:id/_history', historyHandler);
  for (const method of ['PUT', 'PATCH', 'DELETE']) {
    const original = findRoute(router, method, ':resourceType').handler;
    replace(router, method, ':resourceType', (req, ...rest) => {
      if (!Object.keys(req.query ?? {}).length) {
        return [badRequest(`Conditional ${method} needs search parameters (or use ${method} ${req.params.resourceType}/[id])`)];
      }
      return original(req, ...rest);
    });
  }
  return router;
}

function replace(router, method, path, handler) {
  findRoute(router, method, path).handler = handler;
}

function findRoute(router, method, path) {
  const segments = path.split('/').filter(Boolean);
  const route = router.router.routes.find(
    (r) =>
      r.method === method &&
      r.path.length === segments.length &&
      r.path.every((p, i) => (p.param ? ':' + p.value : p.value) === segments[i])
  );
  if (!route) {
    throw new Error(`route ${method} ${path} not found in FhirRouter`);
  }
  return route;
}

/**
 * Medplum's batch processor without its Postgres-oriented limits (at most 8 entries when a
 * transaction holds conditional entries, at most 50 updates): the write queue already runs
 * every transaction alone. Overrides a TypeScript-private method; the check suite covers it.
 */
class DevBatchProcessor extends BatchProcessor {
  async preprocessBundle() {
    const info = await super.preprocessBundle();
    info.requiresStrongTransaction = false;
    info.updates = 0;
    return info;
  }
}

/** POST /: batch or transaction Bundle. */
async function batchHandler(req, repo, router) {
  const bundle = req.body;
  if (bundle?.resourceType !== 'Bundle') {
    return [badRequest('Not a bundle')];
  }
  if ((bundle.entry?.length ?? 0) > maxBundleEntries) {
    return [badRequest(`Bundle has ${bundle.entry.length} entries; the limit is ${maxBundleEntries}`)];
  }
  const result = await new DevBatchProcessor(router, repo, bundle, req).run();
  return [allOk, result];
}

/** PUT Type/id: update, or update-as-create (201). */
async function updateHandler(req, repo) {
  const { resourceType, id } = req.params;
  const resource = req.body;
  if (!resource || typeof resource !== 'object' || Array.isArray(resource)) {
    return [badRequest('Request body must be a FHIR resource')];
  }
  if (resource.resourceType !== resourceType) {
    return [badRequest(`Incorrect resource type: expected ${resourceType}, but found ${resource.resourceType || '<EMPTY>'}`)];
  }
  if (resource.id !== id) {
    return [badRequest(`Resource id "${resource.id ?? ''}" does not match the id in the URL "${id}"`, `${resourceType}.id`)];
  }
  const existed = repo.isLive(resourceType, id);
  const result = await repo.updateResource(resource, { ifMatch: parseIfMatch(req.headers?.['if-match']) });
  return [existed ? allOk : created, result];
}

async function searchHandler(req, repo) {
  return doSearch(req, repo, req.query);
}

async function searchByPostHandler(req, repo) {
  const body = req.body;
  const query = typeof body === 'object' && body && !Array.isArray(body) ? body : {};
  return doSearch(req, repo, query);
}

async function doSearch(req, repo, query) {
  const cfg = req.config;
  const { resourceType } = req.params;
  const sr = parseSearchRequest(resourceType, query);
  if (query._count !== undefined && (!Number.isInteger(sr.count) || sr.count < 0)) {
    throw new OperationOutcomeError(badRequest(`Invalid _count: ${query._count}`, '_count'));
  }
  if (query._offset !== undefined && (!Number.isInteger(sr.offset) || sr.offset < 0)) {
    throw new OperationOutcomeError(badRequest(`Invalid _offset: ${query._offset}`, '_offset'));
  }
  sr.count = Math.min(sr.count ?? cfg.defaultCount, cfg.maxCount);
  sr.offset = sr.offset ?? 0;
  const lenient = preferHandling(req.headers?.prefer) ?? cfg.lenient;
  const bundle = await repo.search(sr, { lenient, fullUrl: (t, id) => `${cfg.baseUrl}/${t}/${id}` });
  bundle.link = pageLinks(cfg.baseUrl, resourceType, query, sr.offset, sr.count, bundle.total);
  return [allOk, bundle];
}

async function historyHandler(req, repo) {
  const cfg = req.config;
  const { resourceType, id } = req.params;
  const offset = intParam(req.query, '_offset') ?? 0;
  const count = Math.min(intParam(req.query, '_count') ?? cfg.maxCount, cfg.maxCount);
  const bundle = await repo.readHistory(resourceType, id, { offset, limit: count });
  for (const e of bundle.entry) {
    e.fullUrl = `${cfg.baseUrl}/${resourceType}/${id}`;
  }
  bundle.link = pageLinks(cfg.baseUrl, `${resourceType}/${id}/_history`, req.query, offset, count, bundle.total);
  return [allOk, bundle];
}

/**
 * Offset-based paging links.
 * @returns {{relation: string, url: string}[]}
 */
export function pageLinks(baseUrl, path, query, offset, count, total) {
  const url = (off) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) {
      if (k === '_offset' || k === '_count' || v === undefined) {
        continue;
      }
      for (const one of [v].flat()) {
        params.append(k, one);
      }
    }
    params.set('_count', String(count));
    if (off > 0) {
      params.set('_offset', String(off));
    }
    return `${baseUrl}/${path}?${params.toString().replaceAll('%7C', '|').replaceAll('%2C', ',').replaceAll('%3A', ':')}`;
  };
  const links = [{ relation: 'self', url: url(offset) }];
  if (count > 0 && offset + count < total) {
    links.push({ relation: 'next', url: url(offset + count) });
  }
  if (count > 0 && offset > 0) {
    links.push({ relation: 'previous', url: url(Math.max(0, offset - count)) });
  }
  return links;
}

/**
 * @param {string | undefined} prefer - the Prefer header.
 * @returns {boolean | undefined} true for handling=lenient, false for handling=strict.
 */
export function preferHandling(prefer) {
  const m = /(?:^|[,;\s])handling=(lenient|strict)\b/i.exec(prefer ?? '');
  return m ? m[1].toLowerCase() === 'lenient' : undefined;
}

/** @returns {string | undefined} the version in an If-Match header (W/"3" → 3). */
export function parseIfMatch(value) {
  if (!value) {
    return undefined;
  }
  const m = /"([^"]+)"/.exec(String(value));
  return m ? m[1] : String(value).trim();
}

function intParam(query, key) {
  const v = [query?.[key]].flat().at(-1);
  if (v === undefined) {
    return undefined;
  }
  if (!/^\d+$/.test(v)) {
    throw new OperationOutcomeError(badRequest(`Invalid ${key}: ${v}`, key));
  }
  return Number(v);
}
