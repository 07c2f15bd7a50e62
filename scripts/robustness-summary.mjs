// The robustness summary (issue 7): per category, the cases vitest ran from
// test/robustness/ and how they ended, with what the cases measured
// (test-results/robustness/*.jsonl, written by test/helpers/robustness.ts):
// peak memory under each hostile file, files changed by each fault (must be
// 0), load numbers. `npm run check:robustness` and `npm test` print it.
//
//   node scripts/robustness-summary.mjs [vitest.json]   (default: test-results/robustness-vitest.json)
//
// Exits 1 when a case failed or a fault changed a file, 2 without a report.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(import.meta.dirname, '..');
export const RESULTS_DIR = path.join(root, 'test-results', 'robustness');
const ROBUSTNESS_TESTS = path.join(root, 'test', 'robustness') + path.sep;
/** Most detail lines shown per category (hostile files can be many); the rest are counted. */
const MAX_LINES = 25;

/** Empties test-results/robustness/ before a run, so the summary shows that run's numbers only. */
export function clearResults() {
  fs.rmSync(RESULTS_DIR, { recursive: true, force: true });
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
}

/** Every metric line the cases recorded, oldest first. */
function readMetrics(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .flatMap((f) =>
      fs
        .readFileSync(path.join(dir, f), 'utf8')
        .split('\n')
        .filter((line) => line.trim())
        .flatMap((line) => {
          try {
            return [JSON.parse(line)];
          } catch {
            return [];
          }
        }),
    );
}

/**
 * A case's category: its first describe title when that names a category
 * the metrics use; else its file's name (`faults-library.test.ts` counts as
 * `faults` when `faults` is a category, `load.test.ts` as `load`).
 */
function categoryOf(file, ancestors, known) {
  if (ancestors[0] && known.has(ancestors[0])) return ancestors[0];
  const base = path.basename(file).replace(/\.test\.[cm]?[jt]s$/, '');
  const prefix = [...known].filter((k) => base === k || base.startsWith(`${k}-`) || base.startsWith(`${k}.`)).sort((a, b) => b.length - a.length)[0];
  return prefix ?? base;
}

const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);
const num = (n) => (Number.isInteger(n) ? String(n) : String(Math.round(n * 10) / 10));

/**
 * The summary of a vitest JSON report (the robustness files' part of it)
 * and the metrics in `resultsDir`: the text to print, and whether every
 * case passed and no fault changed a file. null when the report holds no
 * robustness case (a run filtered to other files).
 */
export function summarize(reportFile, resultsDir = RESULTS_DIR) {
  const report = JSON.parse(fs.readFileSync(reportFile, 'utf8'));
  const files = report.testResults.filter((f) => path.resolve(f.name).startsWith(ROBUSTNESS_TESTS));
  if (files.length === 0) return null;
  const metrics = readMetrics(resultsDir);
  const known = new Set(['faults', 'load', ...metrics.map((m) => m.category)]);
  const rows = new Map();
  const row = (category) => {
    if (!rows.has(category)) rows.set(category, { cases: 0, passed: 0, failed: 0, skipped: 0, runs: 0, peak: null, changed: null, broken: [] });
    return rows.get(category);
  };
  for (const file of files) {
    const cases = file.assertionResults;
    // A file that failed to load ran no case but failed all the same.
    if (file.status === 'failed' && cases.every((c) => c.status !== 'failed')) row(categoryOf(file.name, [], known)).broken.push(path.relative(root, file.name));
    for (const c of cases) {
      const r = row(categoryOf(file.name, c.ancestorTitles ?? [], known));
      r.cases++;
      if (c.status === 'passed') r.passed++;
      else if (c.status === 'failed') r.failed++;
      else r.skipped++;
    }
  }
  for (const m of metrics) {
    const r = row(m.category);
    if (typeof m.runs === 'number') r.runs += m.runs;
    if (typeof m.peakRssMb === 'number') r.peak = Math.max(r.peak ?? 0, m.peakRssMb);
    if (typeof m.filesChanged === 'number') r.changed = (r.changed ?? 0) + m.filesChanged;
  }

  const lines = [];
  const header = `${pad('category', 20)}${lpad('cases', 7)}${lpad('passed', 8)}${lpad('failed', 8)}${lpad('inputs', 9)}${lpad('peak MiB', 10)}${lpad('files changed', 15)}`;
  lines.push('Robustness summary', '', header, '-'.repeat(header.length));
  const total = { cases: 0, passed: 0, failed: 0, changed: 0 };
  for (const [category, r] of [...rows].sort(([a], [b]) => a.localeCompare(b))) {
    const failed = r.failed + r.broken.length;
    total.cases += r.cases;
    total.passed += r.passed;
    total.failed += failed;
    total.changed += r.changed ?? 0;
    lines.push(
      `${pad(category, 20)}${lpad(r.cases, 7)}${lpad(r.passed, 8)}${lpad(failed, 8)}${lpad(r.runs || '-', 9)}${lpad(r.peak === null ? '-' : num(r.peak), 10)}${lpad(r.changed === null ? '-' : r.changed, 15)}`,
    );
  }
  lines.push('-'.repeat(header.length));
  lines.push(`${pad('all', 20)}${lpad(total.cases, 7)}${lpad(total.passed, 8)}${lpad(total.failed, 8)}${lpad('', 9)}${lpad('', 10)}${lpad(total.changed, 15)}`);
  for (const [category, r] of rows) for (const f of r.broken) lines.push(`${category}: ${f} did not run`);

  // What each case measured, by category.
  const byCategory = new Map();
  for (const m of metrics) byCategory.set(m.category, [...(byCategory.get(m.category) ?? []), m]);
  for (const [category, list] of [...byCategory].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push('', `${category}:`);
    const width = Math.min(60, Math.max(...list.map((m) => String(m.name).length)));
    for (const m of list.slice(0, MAX_LINES)) {
      const parts = [];
      if (typeof m.filesChanged === 'number') parts.push(`files changed ${m.filesChanged}`);
      if (typeof m.peakRssMb === 'number') parts.push(`peak ${num(m.peakRssMb)} MiB`);
      if (typeof m.runs === 'number') parts.push(`${m.runs} runs`);
      for (const [k, v] of Object.entries(m.extra ?? {})) parts.push(`${k} ${typeof v === 'number' ? num(v) : v}`);
      lines.push(`  ${pad(String(m.name).slice(0, 60), width)}  ${parts.join(', ')}`);
    }
    if (list.length > MAX_LINES) {
      const rest = list.slice(MAX_LINES);
      const peaks = rest.map((m) => m.peakRssMb).filter((p) => typeof p === 'number');
      lines.push(`  … ${rest.length} more${peaks.length ? ` (peak up to ${num(Math.max(...peaks))} MiB)` : ''}`);
    }
  }
  const ok = total.failed === 0 && total.changed === 0;
  lines.push(
    '',
    `robustness: ${total.cases} cases, ${total.passed} passed, ${total.failed} failed; files changed by fault runs: ${total.changed}${total.changed === 0 ? '' : ' (must be 0)'}`,
  );
  return { text: `${lines.join('\n')}\n`, ok };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const reportFile = path.resolve(process.argv[2] ?? path.join(root, 'test-results', 'robustness-vitest.json'));
  if (!fs.existsSync(reportFile)) {
    process.stderr.write(`robustness-summary: ${reportFile} is missing: run the robustness tests with the JSON reporter first (npm run check:robustness)\n`);
    process.exit(2);
  }
  const summary = summarize(reportFile);
  if (!summary) {
    process.stdout.write(`no robustness case in ${path.relative(root, reportFile)}\n`);
    process.exit(2);
  }
  process.stdout.write(summary.text);
  process.exit(summary.ok ? 0 : 1);
}
