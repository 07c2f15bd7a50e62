// `npm test`: lint (eslint and the layering), type-check both projects, build the three bundles, run
// every vitest project (node, web, robustness, e2e in Chromium), print the
// robustness summary table, then the closing line CI reads:
// `N passed, N failed` (each check above counts as one).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { clearResults, summarize } from './robustness-summary.mjs';

const root = path.resolve(import.meta.dirname, '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const checks = [
  // `npm run lint` itself: eslint, then the layering (dependency-cruiser).
  ['lint', 'npm', ['run', '--silent', 'lint']],
  ['typecheck node', bin('vue-tsc'), ['--noEmit', '-p', 'tsconfig.node.json']],
  ['typecheck web', bin('vue-tsc'), ['--noEmit', '-p', 'tsconfig.web.json']],
  ['build', bin('electron-vite'), ['build']],
];

let passed = 0;
let failed = 0;
const failures = [];
for (const [name, cmd, args] of checks) {
  process.stdout.write(`\n== ${name}\n`);
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (res.status === 0) passed++;
  else {
    failed++;
    failures.push(name);
  }
}

process.stdout.write('\n== vitest\n');
const report = path.join(root, 'test-results', 'vitest.json');
fs.rmSync(report, { force: true });
fs.mkdirSync(path.dirname(report), { recursive: true });
// The robustness cases append their numbers there: this run's only.
clearResults();
const vitest = spawnSync(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
let skipped = 0;
if (fs.existsSync(report)) {
  const json = JSON.parse(fs.readFileSync(report, 'utf8'));
  passed += json.numPassedTests;
  failed += json.numFailedTests;
  skipped = json.numPendingTests + json.numTodoTests;
  // A file that fails to load has no failed test but does fail the run.
  const brokenFiles = json.testResults.filter((f) => f.status === 'failed' && f.assertionResults.every((a) => a.status !== 'failed'));
  failed += brokenFiles.length;
  failures.push(...brokenFiles.map((f) => `${path.relative(root, f.name)} (did not run)`));
  if (json.numFailedTests > 0) failures.push(`${json.numFailedTests} vitest test(s)`);
  // The robustness table (issue 7) from the same report, so CI shows it without running anything twice.
  const robustness = summarize(report);
  if (robustness) process.stdout.write(`\n${robustness.text}`);
} else {
  failed++;
  failures.push(`vitest (exit ${vitest.status}, no report)`);
}

if (skipped) process.stdout.write(`\n${skipped} skipped\n`);
if (failures.length) process.stdout.write(`\nfailed: ${failures.join(', ')}\n`);
process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);
