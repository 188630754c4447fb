// Server settings, read once from the environment by main.js.

const defaults = {
  PORT: '8080',
  HOST: '127.0.0.1',
  FHIR_VALIDATE: '1',
  FHIR_STRICT_SEARCH: '1',
  FHIR_DEFAULT_COUNT: '10',
  FHIR_MAX_COUNT: '1000',
};

/**
 * Reads the server settings.
 * @param {(name: string) => string | undefined} getenv - environment lookup.
 * @returns {{port: number, host: string, dataFile: string | undefined, validate: boolean,
 *   strictSearch: boolean, defaultCount: number, maxCount: number}}
 */
export function loadConfig(getenv) {
  const get = (name) => {
    const v = getenv(name);
    return v === undefined || v === '' ? defaults[name] : v;
  };
  const cfg = {
    port: intSetting('PORT', get('PORT'), 0, 65535),
    host: get('HOST'),
    dataFile: getenv('FHIR_DATA_FILE') || undefined,
    validate: boolSetting('FHIR_VALIDATE', get('FHIR_VALIDATE')),
    strictSearch: boolSetting('FHIR_STRICT_SEARCH', get('FHIR_STRICT_SEARCH')),
    defaultCount: intSetting('FHIR_DEFAULT_COUNT', get('FHIR_DEFAULT_COUNT'), 1, 100000),
    maxCount: intSetting('FHIR_MAX_COUNT', get('FHIR_MAX_COUNT'), 1, 100000),
  };
  if (cfg.defaultCount > cfg.maxCount) {
    throw new Error(`FHIR_DEFAULT_COUNT (${cfg.defaultCount}) is larger than FHIR_MAX_COUNT (${cfg.maxCount})`);
  }
  return cfg;
}

function intSetting(name, value, min, max) {
  if (!/^\d+$/.test(value)) {
    throw new Error(`${name}: "${value}" is not a non-negative integer`);
  }
  const n = Number(value);
  if (n < min || n > max) {
    throw new Error(`${name}: ${n} is outside ${min}..${max}`);
  }
  return n;
}

function boolSetting(name, value) {
  switch (value.toLowerCase()) {
    case '1':
    case 'true':
    case 'yes':
      return true;
    case '0':
    case 'false':
    case 'no':
      return false;
    default:
      throw new Error(`${name}: "${value}" is not a boolean (use 1 or 0)`);
  }
}
