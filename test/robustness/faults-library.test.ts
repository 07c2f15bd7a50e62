/**
 * The model library under injected failures (issue 7, item 4): a real full
 * disk (tmpfs) and the CLI killed mid-write (RLIMIT_FSIZE → SIGXFSZ) while
 * it imports, renames and exports models. Each case records the files of
 * the library that changed (category 'faults'; must be 0).
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { presetSpec, type ModelSpec } from '../../src/shared/model-spec';
import { sweepTemporaries } from '../../src/main/fs-atomic';
import { loadTf } from '../../src/main/native';
import { buildModel } from '../../src/main/trainer/model';
import { seededRandom } from '../../src/main/trainer/random';
import { cli, cliCrashingAt, expectDataKept, onSmallDisk, requireRoot } from '../helpers/faults';
import { snapshotTree as snapshot } from '../helpers/home-snapshot';
import { saveToLibrary, testMetadata } from '../helpers/models';
import { tmpDir } from '../helpers/tmp';
import { requireBuiltTrainer } from '../helpers/training';

beforeAll(() => {
  requireRoot();
  requireBuiltTrainer();
});

const tf = loadTf();

async function libraryWith(spec: ModelSpec, id: string): Promise<string> {
  const home = tmpDir();
  const model = buildModel(tf, spec, seededRandom(1));
  await saveToLibrary(tf, model, home, testMetadata(id, spec));
  model.dispose();
  return home;
}

describe('atomic saves under injected failures', () => {
  it('an import onto a full disk, or killed mid-write, leaves the library byte-identical', async () => {
    const source = await libraryWith(presetSpec('cnn'), 'incoming');
    const incoming = path.join(source, 'models', 'incoming');
    await onSmallDisk(640, async (disk) => {
      // The mlp (~440 kB) fits; the cnn's ~250 kB of weights then do not.
      const home = await libraryWith(presetSpec('mlp'), 'kept');
      fs.cpSync(home, disk, { recursive: true });
      const before = snapshot(path.join(disk, 'models'));
      const listBefore = (await cli(['models', 'list', '--home', disk, '--json'])).stdout;

      const full = await cli(['models', 'import', incoming, '--home', disk]);
      expect(full.code, full.stderr).toBe(1);
      expect(full.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: .*models\/\S+: could not be written \(ENOSPC.*\); nothing was changed$/)]);
      expectDataKept('model import: disk full', before, snapshot(path.join(disk, 'models')));

      const killed = cliCrashingAt(64, ['models', 'import', incoming, '--home', disk]);
      expect(killed.signal).toBe('SIGXFSZ');
      // What the crash left is a dot-named temporary folder beside the models: not a model, not listed, swept at the next start (its writer is gone).
      const after = snapshot(path.join(disk, 'models'));
      const leftovers = Object.keys(after).filter((f) => !(f in before));
      expect(leftovers.length).toBeGreaterThan(0);
      for (const f of leftovers) expect(f).toMatch(/^\.[^/]+\.tmp\//);
      expectDataKept('model import: CLI killed mid-write (SIGXFSZ)', before, after);
      expect((await cli(['models', 'list', '--home', disk, '--json'])).stdout).toBe(listBefore);
      expect(snapshot(path.join(disk, 'models'))).toEqual(before);
      expect(await sweepTemporaries(path.join(disk, 'models'))).toEqual([]);
    });
  });

  it('a rename on a full disk keeps the old metadata; an export that fails or crashes never lands at --out, and a file there stays', async () => {
    await onSmallDisk(1024, async (disk) => {
      const home = await libraryWith(presetSpec('mlp'), 'kept');
      fs.cpSync(home, disk, { recursive: true });
      const out = path.join(disk, 'exports', 'model.onnx');
      fs.mkdirSync(path.dirname(out));
      fs.writeFileSync(out, 'the previous export');
      // Fill the disk to its last byte.
      const filler = path.join(disk, 'filler');
      const st = fs.statfsSync(disk);
      fs.writeFileSync(filler, Buffer.alloc(st.bavail * st.bsize));
      const before = snapshot(path.join(disk, 'models'));

      const renamed = await cli(['models', 'rename', 'kept', 'another name', '--home', disk]);
      expect(renamed.code, renamed.stderr).toBe(1);
      expect(renamed.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: .*kept\/metadata\.json: could not be written \(ENOSPC.*\); nothing was changed$/)]);
      expectDataKept('model rename: disk full', before, snapshot(path.join(disk, 'models')));
      const exported = await cli(['models', 'export', 'kept', '--format', 'onnx', '--out', out, '--force', '--home', disk]);
      expect(exported.code, exported.stderr).toBe(1);
      expect(exported.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: .*model\.onnx: could not be written \(ENOSPC.*\); nothing was written there$/)]);
      expect(fs.readFileSync(out, 'utf8')).toBe('the previous export');
      const fresh = path.join(disk, 'exports', 'fresh.zip');
      expect((await cli(['models', 'export', 'kept', '--format', 'tfjs', '--out', fresh, '--home', disk])).code).toBe(1);
      expect(fs.readdirSync(path.dirname(out))).toEqual(['model.onnx']);
      expectDataKept('model export: disk full', before, snapshot(path.join(disk, 'models')));

      // Room again, but the process dies mid-export: the file at --out is still the previous one.
      fs.rmSync(filler);
      const crashed = cliCrashingAt(64, ['models', 'export', 'kept', '--format', 'onnx', '--out', out, '--force', '--home', disk]);
      expect(crashed.signal).toBe('SIGXFSZ');
      expect(fs.readFileSync(out, 'utf8')).toBe('the previous export');
      expectDataKept('model export: CLI killed mid-write (SIGXFSZ)', before, snapshot(path.join(disk, 'models')));
    });
  });
});
