/**
 * `mnist-studio sweep` end to end, with the built CLI and real trainer
 * processes: a sweep killed with SIGKILL mid-way and resumed with
 * `--resume` ends with every trial exactly once (one done run and one model
 * each, the killed attempts gone); median early termination stops a
 * trailing trial; the callback flags of `train` and their errors.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SweepRecord } from '../../../src/shared/sweeps';
import type { RunSummary } from '../../../src/shared/training';
import { SweepService } from '../../../src/main/sweeps/service';
import { mnistFixtureDir } from '../../helpers/mnist-fixture';
import { ROOT, runCli } from '../../helpers/project';
import { tmpDir } from '../../helpers/tmp';
import { requireBuiltTrainer } from '../../helpers/training';

beforeAll(requireBuiltTrainer);

const lastJson = <T>(stdout: string): T => JSON.parse(stdout.trim().split('\n').at(-1)!) as T;

interface SweepJson {
  id: string;
  status: string;
  trials: { index: number; status: string; runId: string; modelId: string; values: Record<string, unknown>; metric: number }[];
  best: { index: number; metric: number } | null;
}

function readRecord(home: string): SweepRecord | null {
  const dir = path.join(home, 'sweeps');
  if (!fs.existsSync(dir)) return null;
  const [id] = fs.readdirSync(dir).filter((n) => !n.startsWith('.'));
  if (!id) return null;
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, id, 'sweep.json'), 'utf8')) as SweepRecord;
  } catch {
    return null;
  }
}

describe('mnist-studio sweep', () => {
  it('killed with SIGKILL mid-sweep and resumed, finishes with every trial exactly once', { timeout: 400_000 }, async () => {
    const home = tmpDir();
    const spec = path.join(home, 'spec.json');
    fs.writeFileSync(
      spec,
      JSON.stringify({
        dataDir: mnistFixtureDir(),
        base: { preset: 'mlp', epochs: 2, limit: 2000, logEvery: 50 },
        method: 'grid',
        metric: 'testAccuracy',
        seed: 3,
        vary: { lr: [0.0003, 0.001, 0.003], batchSize: [64, 128] },
      }),
    );
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'mnist-studio.js'), '--home', home, 'sweep', spec, '--parallel', '2', '--json'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
    // Killed once one trial has finished and others are training.
    const deadline = Date.now() + 300_000;
    let before: SweepRecord | null = null;
    while (Date.now() < deadline) {
      before = readRecord(home);
      if (before && before.trials.some((t) => t.status === 'done') && before.trials.some((t) => t.status === 'running' && t.runId)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(before, stderr).not.toBeNull();
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const doneBefore = before!.trials.filter((t) => t.status === 'done');
    expect(doneBefore.length).toBeGreaterThanOrEqual(1);
    expect(doneBefore.length).toBeLessThan(6);
    const running = before!.trials.filter((t) => t.status === 'running');
    const killed = running.map((t) => t.runId!);
    // A trial names its model before it starts: a kill after the model is saved but before the run says so (a race CI hit) leaves no stray model.
    expect(running.every((t) => t.modelId !== null)).toBe(true);
    const unrecorded = running.find((t) => !fs.existsSync(path.join(home, 'models', t.modelId!)));
    if (unrecorded) fs.cpSync(path.join(home, 'models', doneBefore[0]!.modelId!), path.join(home, 'models', unrecorded.modelId!), { recursive: true });

    const listed = await runCli(['--home', home, 'sweeps', 'list', '--json']);
    expect((JSON.parse(listed.stdout) as { id: string; status: string }[])[0]).toMatchObject({ id: before!.id, status: 'interrupted' });

    const resumed = await runCli(['--home', home, 'sweep', '--resume', before!.id, '--json'], { timeoutMs: 300_000 });
    expect(resumed.code, resumed.stderr).toBe(0);
    const result = lastJson<SweepJson>(resumed.stdout);
    expect(result).toMatchObject({ id: before!.id, status: 'done' });
    expect(result.trials).toHaveLength(6);
    expect(result.trials.map((t) => t.values)).toEqual([0.0003, 0.001, 0.003].flatMap((lr) => [64, 128].map((batchSize) => ({ lr, batchSize }))));
    // Trials finished before the kill keep their runs; every trial has one run and one model.
    for (const t of doneBefore) expect(result.trials[t.index]!.runId).toBe(t.runId);
    expect(result.trials.every((t) => t.status === 'done' && t.metric > 0.5)).toBe(true);
    const runIds = result.trials.map((t) => t.runId);
    expect(new Set(runIds).size).toBe(6);
    const runs = JSON.parse((await runCli(['--home', home, 'runs', 'list', '--json'])).stdout) as RunSummary[];
    // A killed attempt is gone, unless its run had finished (saved as done) before the sweep wrote so: then it was adopted.
    // Either way the home holds exactly the trials' runs, each done with its model.
    for (const id of killed) if (runs.some((r) => r.id === id)) expect(runIds).toContain(id);
    console.log(`killed with ${killed.length} trials running; ${killed.filter((id) => runIds.includes(id)).length} of them had finished and were adopted`);
    expect(runs.map((r) => r.id).sort()).toEqual([...runIds].sort());
    expect(runs.every((r) => r.status === 'done' && r.epochsDone === 2)).toBe(true);
    for (const t of result.trials) expect(fs.existsSync(path.join(home, 'models', t.modelId, 'metadata.json')), t.modelId).toBe(true);
    expect(
      fs
        .readdirSync(path.join(home, 'models'))
        .filter((n) => !n.startsWith('.'))
        .sort(),
    ).toEqual(result.trials.map((t) => t.modelId).sort());
    const best = Math.max(...result.trials.map((t) => t.metric));
    expect(result.best?.metric).toBe(best);

    const shown = await runCli(['--home', home, 'sweeps', 'show', before!.id]);
    expect(shown.stdout).toMatch(/best\s+trial \d: testAccuracy/);
    const again = await runCli(['--home', home, 'sweep', '--resume', before!.id]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/has finished; nothing to resume/);
  });

  it('refuses a bad spec with the file and field named, before anything is written', async () => {
    const home = tmpDir();
    const spec = path.join(home, 'bad.json');
    fs.writeFileSync(spec, JSON.stringify({ dataDir: mnistFixtureDir(), base: {}, vary: { lr: [0.001, 20] } }));
    const r = await runCli(['--home', home, 'sweep', spec]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: ${spec}: vary.lr.1: must be a number above 0 and at most 10`);
    expect(fs.existsSync(path.join(home, 'sweeps'))).toBe(false);
    fs.writeFileSync(spec, JSON.stringify({ dataDir: mnistFixtureDir(), base: {}, metric: 'valLoss', vary: { lr: [0.001] } }));
    expect((await runCli(['--home', home, 'sweep', spec])).stderr).toMatch(/metric valLoss needs a validation set/);
  });

  it('median stopping stops a trial that trails the others after the given epoch', { timeout: 300_000 }, async () => {
    const home = tmpDir();
    const service = new SweepService({ home });
    // Three good rates, then one that learns almost nothing: after epoch 1 it trails the median and is stopped.
    const created = await service.create({
      dataDir: mnistFixtureDir(),
      base: { preset: 'mlp', epochs: 3, limit: 1500, optimizer: 'sgd' },
      seed: 2,
      vary: { lr: [0.1, 0.05, 0.08, 0.00001] },
      earlyTermination: { type: 'median', afterEpochs: 1 },
    });
    const record = await service.start(created.id, { parallel: 1 });
    expect(record.status).toBe('done');
    expect(record.trials.slice(0, 3).map((t) => t.status)).toEqual(['done', 'done', 'done']);
    const slow = record.trials[3]!;
    expect(slow.status).toBe('pruned');
    expect(slow.reason).toMatch(/stopped after epoch 1: .* trails the median/);
    const run = JSON.parse(fs.readFileSync(path.join(home, 'runs', slow.runId!, 'run.json'), 'utf8')) as { status: string; epochsDone: number; modelId: string };
    // The stop is sent when epoch 1's event arrives; a 24-batch epoch may be under way by then, so it ends within epoch 2, never running all 3.
    expect(run.status).toBe('stopped');
    expect(run.epochsDone).toBeLessThan(3);
    expect(fs.existsSync(path.join(home, 'models', run.modelId))).toBe(true);
    expect(record.trials.slice(0, 3).every((t) => t.curve.length === 3)).toBe(true);
  });
});

describe('mnist-studio train, callback flags', () => {
  it('records early stopping, restore-best and the schedule, shows them, and names a bad value', { timeout: 200_000 }, async () => {
    const home = tmpDir();
    const bad = await runCli(['--home', home, 'train', '--data-dir', mnistFixtureDir(), '--lr-schedule', 'step:2']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--lr-schedule.*write it as step:EVERY:FACTOR/);
    const noSplit = await runCli(['--home', home, 'train', '--data-dir', mnistFixtureDir(), '--restore-best']);
    expect(noSplit.code).toBe(2);
    expect(noSplit.stderr).toMatch(/--restore-best: restoring the best epoch needs a validation set/);
    const badStop = await runCli(['--home', home, 'train', '--data-dir', mnistFixtureDir(), '--early-stop', 'val-acc:2']);
    expect(badStop.stderr).toMatch(/--early-stop.*monitor must be one of val-loss, val-accuracy/);

    const r = await runCli(
      [
        '--home',
        home,
        'train',
        '--data-dir',
        mnistFixtureDir(),
        '--epochs',
        '4',
        '--limit',
        '1500',
        '--validation-split',
        '0.2',
        '--seed',
        '2',
        '--early-stop',
        'val-accuracy:0:0.5',
        '--restore-best',
        '--lr-schedule',
        'exp:0.5',
        '--json',
      ],
      { timeoutMs: 150_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = lastJson<{ runId: string; epochs: number; epochHistory: { learningRate: number }[]; callbacks: Record<string, unknown> }>(r.stdout);
    expect(out.epochs).toBe(2);
    expect(out.epochHistory.map((e) => e.learningRate)).toEqual([0.001, 0.0005]);
    expect(out.callbacks).toMatchObject({
      earlyStopping: { monitor: 'val-accuracy', patience: 0, minDelta: 0.5 },
      restoreBest: true,
      lrSchedule: { type: 'exponential', gamma: 0.5 },
      stoppedEarlyAt: 2,
      monitor: 'val-accuracy',
      restoredEpoch: expect.any(Number) as number,
    });
    const shown = await runCli(['--home', home, 'runs', 'show', out.runId]);
    expect(shown.stdout).toMatch(
      /callbacks {2}early stop on val-accuracy \(patience 0, min delta 0.5\); restore best epoch; lr schedule exponential γ 0.5; stopped early after epoch 2; best epoch \d/,
    );
    const json = JSON.parse((await runCli(['--home', home, 'runs', 'show', out.runId, '--json'])).stdout) as {
      config: { hyperparams: Record<string, unknown> };
      callbacks: Record<string, unknown>;
    };
    expect(json.config.hyperparams).toMatchObject({ restoreBest: true, lrSchedule: { type: 'exponential', gamma: 0.5 } });
    expect(json.callbacks).toMatchObject({ stoppedEarlyAt: 2 });
  });
});
