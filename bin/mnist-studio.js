#!/usr/bin/env node
// The `mnist-studio` command: runs the built CLI bundle (npm install builds it).
import { existsSync } from 'node:fs';

const cli = new URL('../out/main/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('error: MNIST Studio is not built yet: run `npm run build` in the project folder first\n');
  process.exit(1);
}
await import(cli.href);
