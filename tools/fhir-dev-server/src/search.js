// Search over the in-memory store: strict parameter checks, identifier index, matching with
// Medplum's matcher, sorting, paging and _include/_revinclude.
import {
  OperationOutcomeError,
  badRequest,
  deepClone,
  evalFhirPath,
  globalSchema,
  matchesSearchRequest,
  splitSearchOnComma,
  toPeriod,
} from '@medplum/core';
import { getExtraEntries } from '@medplum/fhir-router';
import { tokenKey } from './identifiers.js';

const supportedTypes = new Set(['token', 'reference', 'string', 'uri', 'date']);

/**
 * Runs a search.
 * @param {import('./store.js').Store} store
 * @param {import('@medplum/core').SearchRequest} request
 * @param {{lenient: boolean, fullUrl?: (type: string, id: string) => string}} options
 * @returns {Promise<object>} a searchset Bundle with `total`.
 */
export async function runSearch(store, request, options) {
  const sr = checkRequest(request, options.lenient);
  let matches = [];
  for (const resource of candidates(store, sr)) {
    if (matchesSearchRequest(resource, sr)) {
      matches.push(resource);
    }
  }
  if (sr.sortRules?.length) {
    matches = sortResources(matches, sr);
  }
  const total = matches.length;
  const offset = sr.offset ?? 0;
  const page = sr.count !== undefined ? matches.slice(offset, offset + sr.count) : matches.slice(offset);
  const entries = page.map((r) => ({
    ...(options.fullUrl ? { fullUrl: options.fullUrl(r.resourceType, r.id) } : undefined),
    resource: deepClone(r),
    search: { mode: 'match' },
  }));
  if ((sr.include || sr.revInclude) && entries.length) {
    await getExtraEntries(
      store,
      sr,
      entries.map((e) => e.resource),
      entries,
      options.fullUrl ? { fullUrl: options.fullUrl } : undefined
    );
  }
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total,
    ...(entries.length ? { entry: entries } : undefined),
  };
}

/**
 * Rejects (or, when lenient, drops) unknown parameters; rejects unsupported ones and bad dates.
 * @returns {import('@medplum/core').SearchRequest} the request to run.
 */
function checkRequest(request, lenient) {
  const params = globalSchema.types[request.resourceType]?.searchParams;
  if (!params) {
    throw new OperationOutcomeError(badRequest(`Unknown resource type: ${request.resourceType}`));
  }
  const filters = [];
  for (const f of request.filters ?? []) {
    const sp = params[f.code];
    if (!sp) {
      if (lenient) {
        continue;
      }
      const what = f.code.includes('.') || f.code.startsWith('_has:') ? 'Chained search parameter' : 'Unknown search parameter';
      throw new OperationOutcomeError(badRequest(`${what}: ${f.code}`, f.code));
    }
    if (!supportedTypes.has(sp.type) && f.operator !== 'missing' && f.operator !== 'present') {
      throw new OperationOutcomeError(
        badRequest(`Search parameter ${f.code} of type ${sp.type} is not supported by the dev server`, f.code)
      );
    }
    if (sp.type === 'date' && f.operator !== 'missing') {
      for (const v of splitSearchOnComma(f.value)) {
        if (!/^\d{4}(-\d{2}(-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?)?)?$/.test(v) || !toPeriod(v)) {
          throw new OperationOutcomeError(badRequest(`Invalid date value for search parameter ${f.code}: ${v}`, f.code));
        }
      }
    }
    filters.push(f);
  }
  const sortRules = [];
  for (const rule of request.sortRules ?? []) {
    if (params[rule.code]) {
      sortRules.push(rule);
    } else if (!lenient) {
      throw new OperationOutcomeError(badRequest(`Unknown sort parameter: ${rule.code}`, '_sort'));
    }
  }
  return { ...request, filters, sortRules };
}

/** The live resources that may match: by id or from the identifier index when possible, else all. */
function candidates(store, sr) {
  const type = sr.resourceType;
  // `_id=a,b,…` (bulk reads by id): straight from the store, as Azure's index does.
  for (const f of sr.filters) {
    if (f.code === '_id' && f.operator === 'eq') {
      return [...new Set(splitSearchOnComma(f.value))]
        .filter((id) => store.isLive(type, id))
        .map((id) => store.types.get(type).get(id).current);
    }
  }
  const sp = globalSchema.types[type]?.searchParams?.identifier;
  if (sp?.expression === `${type}.identifier`) {
    for (const f of sr.filters) {
      if (f.code !== 'identifier' || f.operator !== 'eq') {
        continue;
      }
      const refs = new Set();
      let indexable = true;
      for (const v of splitSearchOnComma(f.value)) {
        const bar = v.indexOf('|');
        const system = bar < 0 ? '*' : v.slice(0, bar).toLowerCase();
        const value = (bar < 0 ? v : v.slice(bar + 1)).toLowerCase();
        if (!value) {
          indexable = false;
          break;
        }
        for (const ref of store.index.get(tokenKey(type, system, value)) ?? []) {
          refs.add(ref);
        }
      }
      if (indexable) {
        return [...refs].map((ref) => store.types.get(type)?.get(ref.slice(type.length + 1))?.current).filter(Boolean);
      }
    }
  }
  return store.live(type);
}

/** Sorts by precomputed keys (one FHIRPath evaluation per resource and rule). */
function sortResources(resources, sr) {
  const params = globalSchema.types[sr.resourceType].searchParams;
  const keyed = resources.map((r) => ({
    r,
    keys: sr.sortRules.map((rule) => JSON.stringify(evalFhirPath(params[rule.code].expression, r))),
  }));
  keyed.sort((a, b) => {
    for (let i = 0; i < sr.sortRules.length; i++) {
      const c = a.keys[i].localeCompare(b.keys[i]);
      if (c !== 0) {
        return sr.sortRules[i].descending ? -c : c;
      }
    }
    return 0;
  });
  return keyed.map((k) => k.r);
}
