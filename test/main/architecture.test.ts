import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/project';
import { tmpDir } from '../helpers/tmp';

/**
 * Runs dependency-cruiser exactly as `npm run lint` does (`depcruise src`, the
 * project's config, the `err` report whose exit code fails lint) in `cwd`.
 * Each error comes back as one line, `rule: from → to` (a circle as its path).
 */
function depcruise(cwd: string): Promise<{ code: number | null; errors: string[]; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'depcruise'), ['src', '--output-type', 'err'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      // A circle is printed over several lines, each step ending in an arrow.
      const joined = output.replace(/→\s+/g, '→ ');
      const errors = [...joined.matchAll(/^\s*error (.+)$/gm)].map((m) => m[1]!.trim()).sort();
      resolve({ code, errors, output });
    });
  });
}

/** A copy of the project's sources and configs (node_modules linked), with `files` added or replaced. */
function overlay(files: Record<string, string>): string {
  const dir = tmpDir('mnist-studio-arch-');
  fs.cpSync(path.join(ROOT, 'src'), path.join(dir, 'src'), { recursive: true });
  for (const name of ['.dependency-cruiser.cjs', 'tsconfig.base.json', 'tsconfig.web.json', 'tsconfig.node.json', 'package.json']) {
    fs.copyFileSync(path.join(ROOT, name), path.join(dir, name));
  }
  fs.symlinkSync(fs.realpathSync(path.join(ROOT, 'node_modules')), path.join(dir, 'node_modules'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

describe('the layering (.dependency-cruiser.cjs)', () => {
  it('holds on the real tree, with every import (aliases included) resolved', async () => {
    const { code, errors, output } = await depcruise(ROOT);
    expect(errors).toEqual([]);
    expect(code).toBe(0);
    // A tree it did not read passes every rule: it read the whole of src/ (an unresolved alias would be an error above).
    const modules = Number(/no dependency violations found \((\d+) modules/.exec(output)?.[1]);
    expect(modules).toBeGreaterThan(200);
  }, 120_000);

  it('fails on an added import circle, a forbidden import and an unresolvable one, naming the rule', async () => {
    const failure = fs.readFileSync(path.join(ROOT, 'src/main/trainer/failure.ts'), 'utf8');
    const dir = overlay({
      // A circle inside src/shared, both sides type-only (the report names each circle once).
      'src/shared/circle-a.ts': "import type { B } from './circle-b';\nexport interface A { b?: B }\n",
      'src/shared/circle-b.ts': "import type { A } from './circle-a';\nexport interface B { a?: A }\nexport const b = 1;\n",
      // A circle inside the trainer.
      'src/main/trainer/failure.ts': `${failure}\nimport './circle-probe';\n`,
      'src/main/trainer/circle-probe.ts': "import { failureReason } from './failure';\nexport const probe = failureReason;\n",
      // A service importing a transport.
      'src/main/bad-service.ts': "import { isAppUrl } from './electron/security';\nexport const check = isAppUrl;\n",
      // Web mode importing the desktop shell (as it once did for the CSP).
      'src/main/web/bad-web.ts': "import { secureWebPreferences } from '../electron/security';\nexport const p = secureWebPreferences;\n",
      // The renderer importing main (type-only, through the alias-free path) and a Node built-in.
      'src/renderer/src/bad-view.ts':
        "import type { Studio } from '../../main/studio';\nimport fs from 'node:fs';\nexport type S = Studio;\nexport const read = fs.readFileSync;\n",
      // The contract importing a service.
      'src/shared/bad-contract.ts': "import { newId } from '../main/ids';\nexport const id = newId;\n",
      // The preload importing a service.
      'src/preload/bad-preload.ts': "import { createStudio } from '../main/studio';\nexport const s = createStudio;\n",
      // The trainer reaching electron through another module.
      'src/main/trainer/bad-trainer.ts': "import { shellHelper } from '../bad-helper';\nexport const h = shellHelper;\n",
      'src/main/bad-helper.ts': "import { app } from 'electron';\nexport const shellHelper = () => app.getName();\n",
      // An alias that resolves to nothing.
      'src/renderer/src/bad-alias.ts': "import { nothing } from '@shared/no-such-module';\nexport const n = nothing;\n",
    });
    const { code, errors } = await depcruise(dir);
    expect(code).not.toBe(0);
    const expected = [
      'no-circular: src/shared/circle-a.ts → src/shared/circle-b.ts → src/shared/circle-a.ts',
      'no-circular: src/main/trainer/circle-probe.ts → src/main/trainer/failure.ts → src/main/trainer/circle-probe.ts',
      'services-import-no-transport: src/main/bad-service.ts → src/main/electron/security.ts',
      'only-the-shell-imports-the-shell: src/main/bad-service.ts → src/main/electron/security.ts',
      'only-the-shell-imports-the-shell: src/main/web/bad-web.ts → src/main/electron/security.ts',
      'renderer-imports-only-shared: src/renderer/src/bad-view.ts → src/main/studio.ts',
      'renderer-no-node-builtins: src/renderer/src/bad-view.ts → fs',
      'shared-imports-only-shared: src/shared/bad-contract.ts → src/main/ids.ts',
      'preload-imports-only-shared: src/preload/bad-preload.ts → src/main/studio.ts',
      'electron-only-in-the-shell: src/main/bad-helper.ts → node_modules/electron/index.js',
      'trainer-never-reaches-electron: src/main/trainer/bad-trainer.ts → node_modules/electron/index.js',
      'not-to-unresolvable: src/renderer/src/bad-alias.ts → @shared/no-such-module',
    ];
    // Exactly these: each added hole named by its rule, and nothing of the real tree.
    expect(errors).toEqual(expected.sort());
  }, 120_000);
});
