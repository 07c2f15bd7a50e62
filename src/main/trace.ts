/**
 * Phase marks for measuring where a command's time goes (`npm run bench --
 * --startup` reads them): with MNIST_STUDIO_TRACE=FILE each mark appends a
 * line `<epoch ms> <pid> <label>` to FILE. A trainer inherits the variable,
 * so the marks of the CLI and of its trainer line up on one clock. Unset,
 * a mark costs one branch.
 */
import fs from 'node:fs';

const file = process.env.MNIST_STUDIO_TRACE;

export function mark(label: string): void {
  if (file) fs.appendFileSync(file, `${(performance.timeOrigin + performance.now()).toFixed(1)} ${process.pid} ${label}\n`);
}
