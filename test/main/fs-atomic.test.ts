/**
 * Temporaries of atomic writes cut off by a crash are swept when the
 * studio opens its home; those of writers still running are left alone.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sweepTemporaries, tempSibling } from '../../src/main/fs-atomic';
import { createStudio, sweepHome } from '../../src/main/studio';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-'));
  dirs.push(dir);
  return dir;
}

/** The process id of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

/** A `tempSibling` name for `target` as process `pid` would have made it. */
const tempOf = (target: string, pid: number) => tempSibling(target).replace(`.${process.pid}.`, `.${pid}.`);

function touch(file: string, content = 'x'): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

describe('sweeping temporaries', () => {
  it('removes files and folders of writers that are gone, keeps those of writers still running and everything else', async () => {
    const dir = tmpDir();
    const dead = deadPid();
    const sleeper = spawn('sleep', ['30']);
    try {
      const settings = touch(path.join(dir, 'settings.json'), '{}');
      const staleFile = touch(tempOf(settings, dead), '{"trunc');
      const staleFolder = tempOf(path.join(dir, 'model-a'), dead);
      touch(path.join(staleFolder, 'weights.bin'), 'half');
      const own = touch(tempSibling(settings));
      const running = touch(tempOf(settings, sleeper.pid!));
      const hidden = touch(path.join(dir, '.keep'));
      const lookalike = touch(path.join(dir, `.notes.${dead}.tmp`));

      const removed = await sweepTemporaries(dir);

      expect(removed.sort()).toEqual([path.basename(staleFile), path.basename(staleFolder)].sort());
      for (const gone of [staleFile, staleFolder]) expect(fs.existsSync(gone)).toBe(false);
      for (const kept of [settings, own, running, hidden, lookalike]) expect(fs.existsSync(kept)).toBe(true);
      expect(fs.readFileSync(settings, 'utf8')).toBe('{}');
      // A day later a running process with that id is taken for another program that got the id again.
      expect(await sweepTemporaries(dir, Date.now() + 25 * 3600_000)).toEqual([path.basename(running)]);
      for (const kept of [settings, own, hidden, lookalike]) expect(fs.existsSync(kept)).toBe(true);
    } finally {
      sleeper.kill();
    }
  });

  it('finds nothing in a folder that does not exist', async () => {
    expect(await sweepTemporaries(path.join(tmpDir(), 'missing'))).toEqual([]);
  });

  it('sweeps the home, the runs, models and datasets folders, each run, model and dataset, and the cache', async () => {
    const home = tmpDir();
    const dead = deadPid();
    const left = [
      tempOf(path.join(home, 'settings.json'), dead),
      tempOf(path.join(home, 'runs', 'r1', 'run.json'), dead),
      tempOf(path.join(home, 'models', 'm1'), dead),
      tempOf(path.join(home, 'models', 'm2', 'model.json'), dead),
      tempOf(path.join(home, 'datasets', 'mnist', 'dataset.json'), dead),
      tempOf(path.join(home, 'cache', 'self-test.json'), dead),
      // A decompressed copy (raw-copies.ts) whose trainer was killed mid-write.
      tempOf(path.join(home, 'cache', 'idx', 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888'), dead),
    ];
    for (const file of left) touch(file);
    const kept = touch(path.join(home, 'runs', 'r1', 'run.json'), '{}');
    touch(path.join(home, 'models', 'm2', 'metadata.json'), '{}');

    expect((await sweepHome(home)).sort()).toEqual([...left].sort());
    for (const file of left) expect(fs.existsSync(file)).toBe(false);
    expect(fs.readFileSync(kept, 'utf8')).toBe('{}');
  });

  it('happens when a studio opens its home', async () => {
    const home = tmpDir();
    const stale = touch(tempOf(path.join(home, 'settings.json'), deadPid()));
    const studio = createStudio({ home, shell: 'web' });
    await studio.close();
    expect(fs.existsSync(stale)).toBe(false);
  });
});
