// `npm test`: lint (eslint and the layering), type-check both projects, build the three bundles, run
// every vitest project (node, web, robustness, e2e in Chromium), print the
// robustness summary table, then the closing line CI reads:
// `N passed, N failed` (each check above counts as one).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { clearResults, summarize } from './robustness-summary.mjs';

const root = path.resolve(import.meta.dirname, '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
// Two lanes at once (lint is the long one and single-threaded; the type-checks and the build follow each
// other in the other lane), each lane's output printed whole when it ends, in this order.
const lanes = [
  // `npm run lint` itself: eslint, then the layering (dependency-cruiser).
  [['lint', 'npm', ['run', '--silent', 'lint']]],
  [
    ['typecheck node', bin('vue-tsc'), ['--noEmit', '-p', 'tsconfig.node.json']],
    ['typecheck web', bin('vue-tsc'), ['--noEmit', '-p', 'tsconfig.web.json']],
    ['build', bin('electron-vite'), ['build']],
  ],
];

/** Runs a check with its output kept: resolves with its exit status and what it printed. */
function runCheck(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => out.push(chunk));
    child.on('error', (err) => resolve({ status: null, text: `${cmd}: ${err.message}\n` }));
    child.on('close', (status) => resolve({ status, text: Buffer.concat(out).toString() }));
  });
}

let passed = 0;
let failed = 0;
const failures = [];
const laneResults = await Promise.all(
  lanes.map(async (lane) => {
    const results = [];
    for (const [name, cmd, args] of lane) {
      const started = Date.now();
      const { status, text } = await runCheck(cmd, args);
      results.push({ name, status, text, seconds: (Date.now() - started) / 1000 });
    }
    return results;
  }),
);
for (const { name, status, text, seconds } of laneResults.flat()) {
  process.stdout.write(`\n== ${name} (${seconds.toFixed(0)} s)\n${text}`);
  if (status === 0) passed++;
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
