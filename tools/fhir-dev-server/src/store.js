// The dev server's repository: Medplum's FhirRepository contract over an in-memory store with
// integer versions, tombstones, stable history, an identifier index, transactions with rollback
// and an optional append-only log.
import {
  OperationOutcomeError,
  applyPatch,
  badRequest,
  deepClone,
  deepEquals,
  fhirpathPatchTypedValue,
  gone,
  normalizeOperationOutcome,
  notFound,
  parseFhirPathPatchParameters,
  preconditionFailed,
  toTypedValue,
} from '@medplum/core';
import { FhirRepository } from '@medplum/fhir-router';
import { randomUUID } from 'node:crypto';
import { identifierKeys } from './identifiers.js';
import { runSearch } from './search.js';

const idPattern = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * In-memory FHIR repository. Writes must be serialised by the caller (the HTTP write queue);
 * reads may run at any time.
 */
export class Store extends FhirRepository {
  /**
   * @param {object} opts
   * @param {(resource: object) => void} [opts.validate] - throws OperationOutcomeError on invalid input.
   * @param {(entries: object[]) => void} [opts.persist] - appends committed log entries.
   * @param {boolean} [opts.strictSearch] - reject unknown search parameters by default.
   */
  constructor(opts = {}) {
    super();
    this.validate = opts.validate ?? (() => {});
    this.persist = opts.persist ?? (() => {});
    this.strictSearch = opts.strictSearch ?? true;
    /** @type {Map<string, Map<string, {current: any, history: any[], version: number}>>} */
    this.types = new Map();
    /** identifier token key -> Set of "Type/id" */
    this.index = new Map();
    /** undo records while a transaction is open, else null */
    this.undo = null;
    /** log entries waiting for the transaction to commit, else null */
    this.pending = null;
  }

  setMode() {}

  generateId() {
    return randomUUID();
  }

  /** @returns {boolean} whether Type/id exists and is not deleted. */
  isLive(type, id) {
    return Boolean(this.types.get(type)?.get(id)?.current);
  }

  /** @returns {IterableIterator<any>} the live resources of a type (not copies). */
  *live(type) {
    for (const rec of this.types.get(type)?.values() ?? []) {
      if (rec.current) {
        yield rec.current;
      }
    }
  }

  async createResource(resource, options) {
    const id = options?.assignedId && resource.id ? resource.id : this.generateId();
    checkId(id);
    if (this.types.get(resource.resourceType)?.get(id)?.current) {
      throw new OperationOutcomeError(badRequest('Assigned ID is already in use'));
    }
    return this.write(resource.resourceType, id, resource);
  }

  async updateResource(resource, options) {
    if (!resource.id) {
      throw new OperationOutcomeError(badRequest('Missing id', `${resource.resourceType}.id`));
    }
    checkId(resource.id);
    const rec = this.types.get(resource.resourceType)?.get(resource.id);
    if (options?.ifMatch !== undefined && (!rec?.current || String(rec.version) !== options.ifMatch)) {
      throw new OperationOutcomeError(preconditionFailed);
    }
    if (rec?.current && sameContent(rec.current, resource)) {
      return deepClone(rec.current);
    }
    return this.write(resource.resourceType, resource.id, resource);
  }

  async patchResource(resourceType, id, patch, options) {
    const resource = await this.readResource(resourceType, id);
    try {
      if (Array.isArray(patch)) {
        const errors = applyPatch(resource, patch).filter(Boolean);
        if (errors.length > 0) {
          throw new OperationOutcomeError(badRequest(errors.map((e) => e.message).join('\n')));
        }
      } else if (patch?.parameter) {
        fhirpathPatchTypedValue(toTypedValue(resource), parseFhirPathPatchParameters(patch));
      }
    } catch (err) {
      throw new OperationOutcomeError(normalizeOperationOutcome(err));
    }
    if (resource.resourceType !== resourceType || resource.id !== id) {
      throw new OperationOutcomeError(badRequest('Patch must not change resourceType or id'));
    }
    return this.updateResource(resource, options);
  }

  async readResource(resourceType, id) {
    const rec = this.types.get(resourceType)?.get(id);
    if (!rec) {
      throw new OperationOutcomeError(notFound);
    }
    if (!rec.current) {
      throw new OperationOutcomeError(gone);
    }
    return deepClone(rec.current);
  }

  async readReference(reference) {
    const parts = reference.reference?.split('/');
    if (parts?.length !== 2) {
      throw new OperationOutcomeError(badRequest('Invalid reference'));
    }
    return this.readResource(parts[0], parts[1]);
  }

  async readReferences(references) {
    return Promise.all(
      references.map((r) =>
        this.readReference(r).catch((err) =>
          err instanceof OperationOutcomeError ? err : new OperationOutcomeError(normalizeOperationOutcome(err))
        )
      )
    );
  }

  /** History of one resource, newest first; deletions are not listed. */
  async readHistory(resourceType, id, options) {
    const rec = this.types.get(resourceType)?.get(id);
    if (!rec) {
      throw new OperationOutcomeError(notFound);
    }
    const all = rec.history.slice().reverse();
    const offset = Math.max(0, options?.offset ?? 0);
    const page = options?.limit !== undefined ? all.slice(offset, offset + options.limit) : all.slice(offset);
    return {
      resourceType: 'Bundle',
      type: 'history',
      total: all.length,
      entry: page.map((r) => ({ resource: deepClone(r) })),
    };
  }

  async readVersion(resourceType, id, versionId) {
    const rec = this.types.get(resourceType)?.get(id);
    const version = rec?.history.find((v) => v.meta.versionId === versionId);
    if (!version) {
      throw new OperationOutcomeError(notFound);
    }
    return deepClone(version);
  }

  /**
   * @param {import('@medplum/core').SearchRequest} searchRequest
   * @param {{lenient?: boolean, fullUrl?: (type: string, id: string) => string}} [options]
   */
  async search(searchRequest, options) {
    return runSearch(this, searchRequest, {
      lenient: options?.lenient ?? !this.strictSearch,
      fullUrl: options?.fullUrl,
    });
  }

  async searchByReference(searchRequest, referenceField, references) {
    const results = {};
    for (const reference of references) {
      const filters = [...(searchRequest.filters ?? []), { code: referenceField, operator: 'eq', value: reference }];
      const bundle = await this.search({ ...searchRequest, filters });
      results[reference] = (bundle.entry ?? []).map((e) => e.resource);
    }
    return results;
  }

  /** Deletes a resource; deleting a missing or deleted resource succeeds and changes nothing. */
  async deleteResource(resourceType, id, options) {
    const rec = this.types.get(resourceType)?.get(id);
    if (options?.ifMatch !== undefined && (!rec?.current || String(rec.version) !== options.ifMatch)) {
      throw new OperationOutcomeError(preconditionFailed);
    }
    if (!rec?.current) {
      return;
    }
    this.remember(resourceType, id, rec);
    this.unindex(rec.current);
    rec.current = null;
    rec.version++;
    this.log({ op: 'del', t: resourceType, id, v: rec.version });
  }

  /**
   * Runs callback as one transaction: on error every write it made is undone and nothing is
   * logged. Nested calls join the outer transaction.
   */
  async withTransaction(callback) {
    if (this.undo) {
      return callback(this);
    }
    this.undo = [];
    this.pending = [];
    try {
      const result = await callback(this);
      const entries = this.pending;
      this.undo = null;
      this.pending = null;
      if (entries.length) {
        this.persist(entries);
      }
      return result;
    } catch (err) {
      this.rollback();
      throw err;
    }
  }

  /** Stores a new version of Type/id after validation. */
  write(type, id, body) {
    const rec = this.types.get(type)?.get(id);
    const version = (rec?.version ?? 0) + 1;
    const { resourceType, id: _ignored, meta, ...rest } = deepClone(body);
    const resource = {
      resourceType,
      id,
      meta: { ...meta, versionId: String(version), lastUpdated: new Date().toISOString() },
      ...rest,
    };
    this.validate(resource);
    this.put(resource);
    this.log({ op: 'put', r: resource });
    return deepClone(resource);
  }

  /** Installs a version as current (used by write and by log replay). */
  put(resource) {
    let byId = this.types.get(resource.resourceType);
    if (!byId) {
      byId = new Map();
      this.types.set(resource.resourceType, byId);
    }
    let rec = byId.get(resource.id);
    this.remember(resource.resourceType, resource.id, rec);
    if (!rec) {
      rec = { current: null, history: [], version: 0 };
      byId.set(resource.id, rec);
    }
    this.unindex(rec.current);
    rec.current = resource;
    rec.history.push(resource);
    rec.version = Number(resource.meta.versionId);
    this.indexResource(resource);
  }

  /** Replays a logged deletion. */
  replayDelete(type, id, version) {
    const rec = this.types.get(type)?.get(id);
    if (!rec) {
      throw new Error(`delete of unknown resource ${type}/${id}`);
    }
    this.unindex(rec.current);
    rec.current = null;
    rec.version = version ?? rec.version + 1;
  }

  log(entry) {
    if (this.pending) {
      this.pending.push(entry);
    } else {
      this.persist([entry]);
    }
  }

  remember(type, id, rec) {
    if (this.undo) {
      this.undo.push({
        type,
        id,
        rec,
        current: rec?.current ?? null,
        historyLength: rec?.history.length ?? 0,
        version: rec?.version ?? 0,
      });
    }
  }

  rollback() {
    const undo = this.undo ?? [];
    this.undo = null;
    this.pending = null;
    for (let i = undo.length - 1; i >= 0; i--) {
      const u = undo[i];
      const byId = this.types.get(u.type);
      const rec = byId?.get(u.id);
      if (!rec) {
        continue;
      }
      this.unindex(rec.current);
      if (!u.rec) {
        byId.delete(u.id);
        continue;
      }
      rec.current = u.current;
      rec.history.length = u.historyLength;
      rec.version = u.version;
      this.indexResource(rec.current);
    }
  }

  indexResource(resource) {
    if (!resource) {
      return;
    }
    const ref = resource.resourceType + '/' + resource.id;
    for (const key of identifierKeys(resource)) {
      let set = this.index.get(key);
      if (!set) {
        set = new Set();
        this.index.set(key, set);
      }
      set.add(ref);
    }
  }

  unindex(resource) {
    if (!resource) {
      return;
    }
    const ref = resource.resourceType + '/' + resource.id;
    for (const key of identifierKeys(resource)) {
      const set = this.index.get(key);
      set?.delete(ref);
      if (set?.size === 0) {
        this.index.delete(key);
      }
    }
  }
}

function checkId(id) {
  if (typeof id !== 'string' || !idPattern.test(id)) {
    throw new OperationOutcomeError(badRequest(`Invalid id "${String(id)}": must match [A-Za-z0-9-.]{1,64}`));
  }
}

function sameContent(current, next) {
  const strip = (r) => {
    const { meta, ...rest } = r;
    if (!meta) {
      return rest;
    }
    const { versionId: _v, lastUpdated: _l, ...m } = meta;
    return Object.keys(m).length ? { ...rest, meta: m } : rest;
  };
  return deepEquals(strip(current), strip(next));
}

