// `npm run check:robustness`: only the robustness project (hostile inputs,
// faults, load; issue 7), then its summary table. test-results/robustness/
// is emptied first, so the numbers are this run's.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { clearResults, summarize } from './robustness-summary.mjs';

const root = path.resolve(import.meta.dirname, '..');
const report = path.join(root, 'test-results', 'robustness-vitest.json');
clearResults();
fs.rmSync(report, { force: true });
const vitest = spawnSync(
  path.join(root, 'node_modules', '.bin', 'vitest'),
  ['run', '--project', 'robustness', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit' },
);
if (!fs.existsSync(report)) {
  process.stdout.write(`\nrobustness: vitest wrote no report (exit ${vitest.status})\n`);
  process.exit(1);
}
const summary = summarize(report);
if (!summary) {
  process.stdout.write('\nrobustness: no case ran\n');
  process.exit(1);
}
process.stdout.write(`\n${summary.text}`);
process.exit(summary.ok && vitest.status === 0 ? 0 : 1);
