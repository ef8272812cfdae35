// Prints the plain "N passed, N failed" line CI reads, from Vitest's JSON report, and exits with the
// test run's own status. A run that never produced the report (e.g. the typecheck in `pretest`
// failed) counts as one failure, never as a pass.
import { existsSync, readFileSync } from 'node:fs';

const [file, rcText] = process.argv.slice(2);
const rc = Number(rcText ?? 1);
if (!existsSync(file)) {
  console.log('ci: no test report was written (see the errors above)');
  console.log('0 passed, 1 failed');
  process.exit(rc || 1);
}
const r = JSON.parse(readFileSync(file, 'utf8'));
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(rc !== 0 ? rc : r.numFailedTests > 0 || r.numTotalTests === 0 ? 1 : 0);
