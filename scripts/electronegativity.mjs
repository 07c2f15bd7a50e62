// Scans the built app (out/main, out/preload, out/renderer) with Doyensec's
// electronegativity and prints its findings as one JSON object on stdout:
// `{electron, checks, errors, findings: [{id, severity, confidence, file, line, column, manualReview}]}`.
// The built renderer is plain JS and HTML, so the .vue files the scanner cannot
// parse are covered. `npm run check:electron` prints a table; the robustness
// test reads the JSON (`--json`) and fails on any HIGH finding.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);
const root = path.resolve(import.meta.dirname, '..');
const out = path.join(root, 'out');

/**
 * Checks left out of the scan, each with its reason. Nothing here hides a
 * finding about the app's own code.
 */
export const EXCLUDED_CHECKS = {
  // It downloads Electron's release list from the internet (and waits ~20 s for it offline); the pinned version is in package-lock.json.
  AvailableSecurityFixesGlobalCheck: 'needs the internet',
};

for (const dir of ['main', 'preload', 'renderer']) {
  if (!fs.existsSync(path.join(out, dir))) {
    process.stderr.write(`${path.join(out, dir)} is missing: build the studio first (npm run build)\n`);
    process.exit(2);
  }
}

const electron = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
// Its translations download (got, retried for ~4 s offline) is answered at once: the en-US strings ship in the package.
const scanner = path.dirname(require.resolve('@doyensec/electronegativity/package.json'));
const got = createRequire(path.join(scanner, 'dist', 'locales', 'i18n.js')).resolve('got');
require.cache[got] = { id: got, filename: got, loaded: true, exports: () => Promise.reject(new Error('offline: not fetched')) };
const run = require('@doyensec/electronegativity');
// The scanner logs progress and a failed translation download to stdout; keep stdout for the result.
const log = console.log;
console.log = (...args) => process.stderr.write(`${args.join(' ')}\n`);
let result;
try {
  result = await run({ input: out, electronVersionOverride: electron, isRelative: true, excludeFromScan: Object.keys(EXCLUDED_CHECKS) });
} finally {
  console.log = log;
}

const findings = result.issues.map((issue) => ({
  id: issue.id,
  severity: issue.severity.name,
  confidence: issue.confidence.name,
  file: issue.file.split(path.sep).join('/'),
  line: issue.location.line,
  column: issue.location.column,
  manualReview: Boolean(issue.manualReview),
  description: issue.description,
}));
const summary = { electron, checks: result.globalChecks + result.atomicChecks, errors: result.errors, findings };

if (process.argv.includes('--json')) {
  process.stdout.write(`${JSON.stringify(summary)}\n`);
} else {
  for (const f of findings)
    process.stdout.write(`${f.severity.padEnd(13)} ${f.confidence.padEnd(9)} ${f.id.padEnd(28)} ${f.file}:${f.line}:${f.column}${f.manualReview ? '  (review)' : ''}\n`);
  process.stdout.write(`${findings.length} findings from ${summary.checks} checks on Electron ${electron}; ${result.errors.length} files not parsed\n`);
  if (findings.some((f) => f.severity === 'HIGH')) process.exit(1);
}
