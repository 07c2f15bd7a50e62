/**
 * Fault injection with real processes (issue 7, item 4): a studio home as a
 * user has it (settings, an imported dataset, a finished run and its model)
 * meets a fault; afterwards a studio starts on it again, every file that was
 * there is byte-identical, and the user was told what happened, naming the
 * file or field. Each case records how many files changed (category
 * 'faults'; must be 0) for `npm run check:robustness`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { NoticeEvent } from '../../src/shared/events';
import { presetSpec } from '../../src/shared/model-spec';
import type { StudioError } from '../../src/shared/result';
import type { RunSummary, TrainEvent } from '../../src/shared/training';
import type { WsServerMessage } from '../../src/shared/web-protocol';
import { decodeWire, encodeWire } from '../../src/shared/wire';
import { downloadDataset } from '../../src/main/datasets/download';
import { createStudio } from '../../src/main/studio';
import { chownTree, cli, expectDataKept, fillDisk, NOBODY, onSmallDisk, requireRoot, BIN } from '../helpers/faults';
import { snapshotTree } from '../helpers/home-snapshot';
import { filesOf, startMirror, type Fault } from '../helpers/mirror-server';
import { fixtureSpec, mnistFixtureDir } from '../helpers/mnist-fixture';
import { ROOT } from '../helpers/project';
import { buildStudioHome, call, runEnd, studioState, USER_SETTINGS } from '../helpers/studio-home';
import { tmpDir } from '../helpers/tmp';
import { recordingLauncher, requireBuiltTrainer } from '../helpers/training';
import { spawn } from 'node:child_process';

let template = '';
let expected: Awaited<ReturnType<typeof studioState>>;

beforeAll(async () => {
  requireRoot();
  requireBuiltTrainer();
  template = fs.mkdtempSync(path.join(os.tmpdir(), 'mnist-studio-faults-'));
  await buildStudioHome(template);
  expected = await studioState(template);
  expect(expected.runs).toHaveLength(1);
  expect(expected.models).toHaveLength(1);
  expect(expected.datasets).toHaveLength(1);
});

afterAll(() => {
  if (template) fs.rmSync(template, { recursive: true, force: true });
});

/**
 * A copy of the prepared home in `dir` (a fresh temporary folder unless
 * given). On a small disk, without the decompressed copies of its data set
 * (`cache/idx`, more than the disk holds): a cache the studio makes again,
 * and only where the disk has room to spare.
 */
function userHome(dir?: string): string {
  const home = dir ?? tmpDir();
  const copies = path.join(template, 'cache', 'idx');
  fs.cpSync(template, home, { recursive: true, filter: (source) => dir === undefined || !source.startsWith(copies) });
  return home;
}

/** A studio started again on `home` shows the user's settings, dataset, run and model as before the fault; returns it for more checks. */
async function expectStudioStartsWithData(home: string) {
  const state = await studioState(home);
  expect(state.settings).toMatchObject({ ...USER_SETTINGS });
  expect(state.datasets).toEqual(expected.datasets);
  expect(state.runs.filter((r) => r.id === expected.runs[0]!.id)).toEqual(expected.runs);
  expect(state.models).toEqual(expected.models);
  return state;
}

async function until(check: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Pids of the processes `pid` started (Linux /proc). */
function childrenOf(pid: number): number[] {
  const tasks = path.join('/proc', String(pid), 'task');
  if (!fs.existsSync(tasks)) return [];
  return fs.readdirSync(tasks).flatMap((t) => {
    const text = fs.readFileSync(path.join(tasks, t, 'children'), 'utf8').trim();
    return text ? text.split(/\s+/).map(Number) : [];
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the trainer killed mid-epoch', () => {
  it('SIGKILL of the real trainer: the run fails saying so, the studio takes the next run, nothing the user had changes', async () => {
    const home = userHome();
    const before = snapshotTree(home);
    const { launch, children } = recordingLauncher();
    const studio = createStudio({ home, shell: 'web', launchTrainer: launch });
    const events: TrainEvent[] = [];
    studio.events.on('train', (e) => events.push(e));
    const end = runEnd(studio);
    const { runId } = await call(studio, 'train:start', { dataset: { id: 'digits' }, model: presetSpec('mlp'), hyperparams: { epochs: 3, limit: 3000, batchSize: 16, seed: 2 } });
    await until(() => events.some((e) => e.kind === 'progress' && e.step > 0), 'the first steps');
    const at = events.filter((e) => e.kind === 'progress').at(-1)!;
    process.kill(children[0]!.pid!, 'SIGKILL');
    const failed = await end;
    await studio.close();

    // Mid-epoch: the first of three, before its last step.
    expect(at).toMatchObject({ epoch: 1 });
    if (at.kind === 'progress') expect(at.step).toBeLessThan(at.stepsPerEpoch);
    expect(failed).toMatchObject({ kind: 'failed', runId, reason: expect.stringMatching(/^the trainer process was killed \(SIGKILL\) before the run finished/) });
    const state = await expectStudioStartsWithData(home);
    expect(state.runs.find((r) => r.id === runId)).toMatchObject({ status: 'failed', modelId: null, reason: failed.kind === 'failed' ? failed.reason : '' });
    const { added } = expectDataKept('trainer SIGKILL mid-epoch', before, snapshotTree(home));
    // What is new is the failed run's record, and no model.
    for (const f of added) expect(f).toMatch(new RegExp(`^runs/${runId}/`));
  });
});

describe('the download server misbehaving', () => {
  const FIXTURE = mnistFixtureDir();
  const SPEC = fixtureSpec(FIXTURE, 'digits-download');
  const FILES = filesOf(FIXTURE);
  const TRAIN_IMAGES = 'train-images-idx3-ubyte.gz';
  const TEST_IMAGES = 't10k-images-idx3-ubyte.gz';
  const altered = (() => {
    // A real IDX file, one pixel changed, gzipped again: the structure passes, the digest does not.
    const raw = zlib.gunzipSync(FILES[TEST_IMAGES]!);
    raw[16 + 300] = raw[16 + 300]! ^ 0xff;
    return zlib.gzipSync(raw);
  })();

  const cases: [string, (file: string, nth: number) => Fault | null, RegExp][] = [
    [
      'drops the connection',
      // Cut mid-file; the resumed requests are cut before their first byte.
      (file, nth) => (file === TRAIN_IMAGES ? { kind: 'drop', afterBytes: nth === 0 ? 300_000 : 0 } : null),
      /^train-images-idx3-ubyte\.gz: no mirror gave a good copy: 127\.0\.0\.1:\d+: connection dropped; gave up after 2 retries without progress$/,
    ],
    [
      'stalls',
      (file, nth) => (file === TRAIN_IMAGES ? { kind: 'stall', afterBytes: nth === 0 ? 100_000 : 0 } : null),
      /^train-images-idx3-ubyte\.gz: no mirror gave a good copy: 127\.0\.0\.1:\d+: no data for 300 ms; gave up after 2 retries without progress$/,
    ],
    [
      'sends wrong bytes',
      (file) => (file === TEST_IMAGES ? { kind: 'body', bytes: altered } : null),
      /^t10k-images-idx3-ubyte\.gz: no mirror gave a good copy: 127\.0\.0\.1:\d+ sent something that is not MNIST fixture's t10k-images-idx3-ubyte\.gz \(it failed verification\)$/,
    ],
  ];

  for (const [what, fault, message] of cases) {
    it(`a server that ${what}: the download fails naming the file, only verified files land, the rest is untouched`, async () => {
      const home = userHome();
      const before = snapshotTree(home);
      const mirror = await startMirror({ files: FILES, fault });
      try {
        const err = await downloadDataset({ home, spec: SPEC, mirrors: [mirror.url], retries: 2, backoffMs: 10, stallTimeoutMs: 300 }).then(
          () => null,
          (e: unknown) => e as StudioError,
        );
        expect(err?.message).toMatch(message);
        expect(err?.code).toBe(what === 'sends wrong bytes' ? 'INTEGRITY' : 'NETWORK');
      } finally {
        await mirror.close();
      }
      await expectStudioStartsWithData(home);
      const { added } = expectDataKept(`download: server ${what}`, before, snapshotTree(home));
      // Whole, verified files of the new dataset at most: no .part, no manifest (it is not ready).
      for (const f of added) expect(f).toMatch(/^datasets\/digits-download\/[a-z0-9-]+-idx[13]-ubyte\.gz$/);
      for (const f of added) expect(fs.readFileSync(path.join(home, f)).equals(FILES[path.basename(f)]!)).toBe(true);
    });
  }
});

describe('a full disk and a refused permission while saving', () => {
  it('disk full during the model save: the run fails naming the model folder and ENOSPC; no half model', async () => {
    await onSmallDisk(4096, async (disk) => {
      const home = userHome(disk);
      // The run's record fits; the MLP's 436 kB of weights do not.
      fillDisk(home, 200 * 1024);
      const before = snapshotTree(home);
      const studio = createStudio({ home, shell: 'web' });
      const end = runEnd(studio);
      const { runId } = await call(studio, 'train:start', { dataset: { id: 'digits' }, model: presetSpec('mlp'), hyperparams: { epochs: 1, limit: 500, seed: 3 } });
      const failed = await end;
      await studio.close();
      expect(failed).toMatchObject({ kind: 'failed', runId, reason: expect.stringMatching(/models\/\S+: could not be written \(ENOSPC[^)]*\); nothing was changed/) });
      const state = await expectStudioStartsWithData(home);
      expect(state.runs.find((r) => r.id === runId)).toMatchObject({ status: 'failed', modelId: null });
      const { added } = expectDataKept('model save: disk full', before, snapshotTree(home));
      for (const f of added) expect(f).toMatch(new RegExp(`^runs/${runId}/`));
      // The run read the gzip files, and made no decompressed copies on a disk without room to spare.
      expect(fs.existsSync(path.join(home, 'cache', 'idx'))).toBe(false);
    });
  });

  it('permission denied during the model save (the CLI as another user): exit 1, the message names the folder and EACCES', async () => {
    const home = userHome();
    chownTree(home, NOBODY);
    fs.chmodSync(path.join(home, 'models'), 0o555);
    const before = snapshotTree(home);
    const res = await cli(['train', '--home', home, '--dataset', 'digits', '--epochs', '1', '--limit', '500', '--seed', '4'], { uid: NOBODY });
    fs.chmodSync(path.join(home, 'models'), 0o755);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toMatch(/models\/\S+: could not be written \(EACCES[^)]*\); nothing was changed/);
    const state = await expectStudioStartsWithData(home);
    const run = state.runs.find((r) => r.id !== expected.runs[0]!.id);
    expect(run).toMatchObject({ status: 'failed', modelId: null, reason: expect.stringContaining('EACCES') });
    const { added } = expectDataKept('model save: permission denied', before, snapshotTree(home));
    for (const f of added) expect(f).toMatch(new RegExp(`^runs/${run!.id}/`));
  });

  it('disk full during a dataset import (the CLI): exit 1, the message names the dataset folder and ENOSPC; no half dataset', async () => {
    await onSmallDisk(4096, async (disk) => {
      const home = userHome(disk);
      fillDisk(home, 300 * 1024);
      const before = snapshotTree(home);
      const res = await cli(['import', mnistFixtureDir(), '--name', 'more', '--home', home]);
      expect(res.code, res.stderr).toBe(1);
      expect(res.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: .*datasets\/more: could not be written \(ENOSPC.*\); nothing was changed$/)]);
      const state = await expectStudioStartsWithData(home);
      expect(state.datasets.map((d) => d.id)).toEqual(['digits']);
      const { added } = expectDataKept('dataset write: disk full', before, snapshotTree(home));
      expect(added).toEqual([]);
    });
  });

  it('permission denied during a dataset import (the CLI as another user): exit 1, the message names the folder and EACCES', async () => {
    const home = userHome();
    chownTree(home, NOBODY);
    fs.chmodSync(path.join(home, 'datasets'), 0o555);
    // Files the other user may read, so only the studio's own folder refuses.
    const source = tmpDir();
    fs.cpSync(mnistFixtureDir(), source, { recursive: true });
    chownTree(source, NOBODY);
    const before = snapshotTree(home);
    const res = await cli(['import', source, '--name', 'more', '--home', home], { uid: NOBODY });
    fs.chmodSync(path.join(home, 'datasets'), 0o755);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: .*datasets\/more: could not be written \(EACCES.*\); nothing was changed$/)]);
    await expectStudioStartsWithData(home);
    const { added } = expectDataKept('dataset write: permission denied', before, snapshotTree(home));
    expect(added).toEqual([]);
  });
});

describe('the settings file spoilt', () => {
  const spoils: [string, (text: string) => string, RegExp, string | undefined][] = [
    ['truncated', (text) => text.slice(0, Math.floor(text.length / 2)), /it is not valid JSON/, undefined],
    ['made invalid', (text) => JSON.stringify({ ...(JSON.parse(text) as object), theme: 42 }), /theme: /, 'theme'],
  ];
  for (const [what, spoil, problem, field] of spoils) {
    it(`${what}: the studio starts on the defaults, keeps the old file byte for byte and tells the user where (and which field)`, async () => {
      const home = userHome();
      const file = path.join(home, 'settings.json');
      fs.writeFileSync(file, spoil(fs.readFileSync(file, 'utf8')));
      const before = snapshotTree(home);

      const studio = createStudio({ home, shell: 'web' });
      const notices: NoticeEvent[] = [];
      studio.events.on('notice', (n) => notices.push(n));
      const settings = await call(studio, 'settings:get', {});
      await studio.close();
      expect(settings.theme).toBe('system');
      expect(notices).toHaveLength(1);
      const moved = String(notices[0]!.values?.file);
      expect(moved).toMatch(/settings\.json\.corrupt-[\dTZ-]+$/);
      expect(notices[0]).toMatchObject({ level: 'warning', id: 'settingsReset' });
      expect(notices[0]!.values?.field).toBe(field);
      expect(notices[0]!.message).toContain(moved);
      expect(String(notices[0]!.values?.problem)).toMatch(problem);

      // The CLI says it too, on stderr, where a script's log keeps it.
      fs.renameSync(moved, file);
      // (A download reads the mirrors from the settings; this one has nothing to reach.)
      const res = await cli(['download', '--mirror', 'http://127.0.0.1:1/', '--no-default-mirrors', '--home', home]);
      expect(res.code, res.stderr).toBe(1);
      expect(res.stderr).toMatch(/^warning: Your settings could not be used \(.*\), so the defaults are in use\. The old file was kept as \S+settings\.json\.corrupt-[\dTZ-]+\.$/m);
      const movedByCli = /kept as (\S+)\.\n/.exec(res.stderr)![1]!;

      const state = await studioState(home);
      expect(state.notices).toEqual([]);
      expect(state.datasets).toEqual(expected.datasets);
      expect(state.runs).toEqual(expected.runs);
      expect(state.models).toEqual(expected.models);
      expectDataKept(`settings ${what}`, before, snapshotTree(home), { 'settings.json': path.relative(home, movedByCli) });
    });
  }
});

describe('the app process killed during a save', () => {
  it('`mnist-studio serve` killed mid-write of settings.json (RLIMIT_FSIZE → EFBIG, SIGXFSZ): the next start reads the settings as they were', async () => {
    const home = userHome();
    const before = snapshotTree(home);
    // Every file the server writes is capped at 16 kB: the settings write below (64 kB) kills it half-way.
    const child = spawn('bash', ['-c', 'ulimit -f 16; exec "$0" "$@"', process.execPath, BIN, 'serve', '--home', home, '--port', '0'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    await until(() => /http:\/\/\S+/.test(stdout), 'the server URL');
    const url = new URL(/http:\/\/\S+/.exec(stdout)![0]);
    const ws = new WebSocket(`ws://${url.host}/api${url.search}`, { origin: `http://${url.host}` });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const answers: WsServerMessage[] = [];
    ws.on('message', (data: Buffer) => answers.push(decodeWire(data.toString()) as WsServerMessage));
    ws.on('error', () => undefined);
    ws.send(encodeWire({ type: 'call', id: 1, method: 'settings:update', input: { theme: 'light' } }));
    await until(() => answers.some((a) => a.type === 'result' && a.id === 1), 'the small update');
    const small = snapshotTree(home)['settings.json'];
    ws.send(encodeWire({ type: 'call', id: 2, method: 'settings:update', input: { lastModelSpec: { note: 'x'.repeat(60_000) } } }));
    expect(await exited).toBe('SIGXFSZ');
    ws.terminate();
    // The write past the cap fails (EFBIG) and the kernel's SIGXFSZ ends the server: if it answered before dying, it said the save failed, naming the file.
    for (const a of answers.filter((m) => m.type === 'result' && m.id === 2)) {
      expect(a).toMatchObject({ result: { ok: false, error: { code: 'IO', message: expect.stringContaining(path.join(home, 'settings.json')) } } });
    }

    const after = snapshotTree(home);
    // The small update was saved whole; the big one never reached settings.json.
    expect(after['settings.json']).toBe(small);
    const state = await studioState(home);
    expect(state.notices).toEqual([]);
    expect(state.settings).toMatchObject({ ...USER_SETTINGS, theme: 'light' });
    expect(state.settings.lastModelSpec).toBeNull();
    expect(state.runs).toEqual(expected.runs);
    expect(state.models).toEqual(expected.models);
    const { added } = expectDataKept('serve killed mid settings write', { ...before, 'settings.json': small! }, after);
    // What the crash left is the cut-off temporary beside it, never read as settings.
    for (const f of added) expect(f).toMatch(/^\.settings\.json\.\d+\.[0-9a-f]+\.tmp$/);
  });

  it('`mnist-studio train` SIGKILLed mid-run: its trainer ends too, and the next start records the run as interrupted', async () => {
    const home = userHome();
    const before = snapshotTree(home);
    const child = spawn(
      process.execPath,
      [BIN, 'train', '--home', home, '--dataset', 'digits', '--epochs', '3', '--limit', '3000', '--batch-size', '16', '--seed', '5', '--log-every', '10'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    await until(() => /Step \[\d+\/\d+\]/.test(stdout), 'the first logged step');
    const trainers = childrenOf(child.pid!);
    expect(trainers.length).toBeGreaterThan(0);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    // Its trainer sees the channel close and exits: nothing trains on, or saves a model, for a dead studio.
    await until(() => trainers.every((pid) => !alive(pid)), 'the trainer to exit', 30_000);

    const res = await cli(['runs', 'list', '--json', '--home', home]);
    expect(res.code, res.stderr).toBe(0);
    const runs = JSON.parse(res.stdout) as RunSummary[];
    const run = runs.find((r) => r.id !== expected.runs[0]!.id);
    expect(run).toMatchObject({ status: 'failed', modelId: null, reason: expect.stringMatching(/^interrupted: the studio process running it ended/) });
    await expectStudioStartsWithData(home);
    const { added } = expectDataKept('train CLI SIGKILL mid-run', before, snapshotTree(home));
    for (const f of added) expect(f).toMatch(new RegExp(`^runs/${run!.id}/`));
  });
});
