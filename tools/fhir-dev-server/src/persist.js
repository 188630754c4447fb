// Optional append-only data file: one JSON line per committed version or deletion.
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';

/**
 * Replays a data file into the store.
 * @param {string} path - the data file; a missing file is an empty store.
 * @param {import('./store.js').Store} store
 * @returns {number} the number of lines replayed.
 */
export function replay(path, store) {
  if (!existsSync(path)) {
    return 0;
  }
  const lines = readFileSync(path, 'utf8').split('\n');
  let n = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') {
      continue;
    }
    let entry;
    try {
      entry = JSON.parse(line);
    } catch (err) {
      const last = lines.slice(i + 1).every((l) => l === '');
      throw new Error(
        `${path}:${i + 1}: not valid JSON (${err.message})` +
          (last ? '; this is the last line, probably torn by a crash: delete it and restart' : ''),
        { cause: err }
      );
    }
    try {
      if (entry.op === 'put' && entry.r?.resourceType && entry.r.id && entry.r.meta?.versionId) {
        store.put(entry.r);
      } else if (entry.op === 'del' && entry.t && entry.id) {
        store.replayDelete(entry.t, entry.id, entry.v);
      } else {
        throw new Error('unknown entry');
      }
    } catch (err) {
      throw new Error(`${path}:${i + 1}: ${err.message}`, { cause: err });
    }
    n++;
  }
  return n;
}

/**
 * Opens the data file for appending.
 * @param {string} path
 * @returns {{append: (entries: object[]) => void, close: () => void}}
 */
export function openLog(path) {
  const fd = openSync(path, 'a');
  return {
    append(entries) {
      // One synchronous write per commit, before the response is sent.
      writeSync(fd, entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
    },
    close() {
      closeSync(fd);
    },
  };
}
