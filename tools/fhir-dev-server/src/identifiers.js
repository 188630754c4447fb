// Keys of the identifier index (system|value, lower-cased).

/**
 * Index keys of a resource's identifiers: `Type\n system|value` and `Type\n *|value`, lower-cased
 * like Medplum's case-insensitive token matching.
 */
export function identifierKeys(resource) {
  const keys = [];
  const ids = resource.identifier === undefined ? [] : [resource.identifier].flat();
  for (const ident of ids) {
    if (typeof ident?.value !== 'string') {
      continue;
    }
    const value = ident.value.toLowerCase();
    keys.push(tokenKey(resource.resourceType, (ident.system ?? '').toLowerCase(), value));
    keys.push(tokenKey(resource.resourceType, '*', value));
  }
  return keys;
}

/** @returns {string} the index key of a type, system ('' = none, '*' = any) and lower-case value. */
export function tokenKey(type, system, value) {
  return type + '\n' + system + '|' + value;
}
