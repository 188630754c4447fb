// Write-time validation: Medplum's structural validator plus required code bindings.
import { OperationOutcomeError, validateResource } from '@medplum/core';

/**
 * @param {import('./terminology.js').Terminology} terminology
 * @returns {(resource: object) => void} a validator that throws OperationOutcomeError (400).
 */
export function makeValidator(terminology) {
  return (resource) => {
    const tokens = {};
    try {
      validateResource(resource, { collect: { tokens } });
    } catch (err) {
      if (err instanceof OperationOutcomeError) {
        // Structural errors first; add binding errors so one outcome lists everything.
        const extra = safeCheck(terminology, tokens);
        if (extra.length) {
          err.outcome.issue = [...(err.outcome.issue ?? []), ...extra];
        }
      }
      throw err;
    }
    const issues = terminology.check(tokens);
    if (issues.length) {
      throw new OperationOutcomeError({ resourceType: 'OperationOutcome', issue: issues });
    }
  };
}

function safeCheck(terminology, tokens) {
  try {
    return terminology.check(tokens);
  } catch {
    return [];
  }
}
