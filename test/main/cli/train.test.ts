import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Tensor } from '@tensorflow/tfjs-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODEL_FILES, type ModelMetadata } from '../../../src/shared/models';
import type { RunRecord, RunSummary } from '../../../src/shared/training';
import { loadDataset } from '../../../src/main/datasets/load';
import { loadTf } from '../../../src/main/native';
import { normalizePixels } from '../../../src/main/trainer/data';
import { FASHION_MNIST_DIR, mnistFixtureDir } from '../../helpers/mnist-fixture';
import { ROOT, runCli, startCli } from '../../helpers/project';
import { tmpDir } from '../../helpers/tmp';
import { requireBuiltTrainer } from '../../helpers/training';

beforeAll(requireBuiltTrainer);

const fixture = () => mnistFixtureDir();

/** Processes whose parent is `pid` (Linux /proc). */
function childPids(pid: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        // Field 4 of /proc/<pid>/stat is the parent; the command name before it may hold spaces, so split after ')'.
        return Number(fs.readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** The `--json` result: the last stdout line. */
function lastJson<T = Record<string, unknown>>(stdout: string): T {
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as T;
}

interface TrainResult {
  runId: string;
  trainingPath: string;
  trainingPathReason: string;
  trainingPathCause: string;
  intraOpThreads: string;
  modelId: string;
  status: string;
  testAccuracy: number;
  testLoss: number;
  samplesPerSec: number;
  durationMs: number;
  lossHistory: number[];
  lossHistoryEvery: number;
}

describe('mnist-studio train, on real digits', () => {
  it('trains the seed configuration to ≥ 93% test accuracy, the cnn preset beats it, and the saved model reproduces the figure', { timeout: 240_000 }, async () => {
    const home = tmpDir();
    const mlp = await runCli(['train', '--data-dir', fixture(), '--home', home, '--seed', '1', '--json'], { timeoutMs: 120_000 });
    expect(mlp.code, mlp.stderr).toBe(0);
    const m = lastJson<TrainResult>(mlp.stdout);
    expect(m).toMatchObject({ status: 'done', runId: expect.any(String), modelId: expect.any(String), testLoss: expect.any(Number), durationMs: expect.any(Number) });
    expect(m.testAccuracy).toBeGreaterThanOrEqual(0.93);
    expect(m.samplesPerSec).toBeGreaterThan(0);
    expect(m).toMatchObject({
      trainingPath: 'native',
      trainingPathReason: 'the native path passed its self-test against tfjs-layers',
      trainingPathCause: 'self-test-passed',
      intraOpThreads: expect.any(String),
    });
    expect(mlp.stderr).toMatch(/^Engine: native fast path \(the native path passed its self-test against tfjs-layers\); /m);
    // 125 steps an epoch, a loss logged every 100 (one line per epoch, like the seed), and every batch's loss in lossHistory.
    expect(m.lossHistory).toHaveLength(5 * 125);
    expect(m.lossHistoryEvery).toBe(1);
    expect(mlp.stderr).toMatch(/^Epoch \[1\/5\], Step \[100\/125\], Loss: \d+\.\d{4}, Accuracy: /m);

    const cnn = await runCli(['train', '--data-dir', fixture(), '--home', home, '--seed', '1', '--preset', 'cnn', '--json'], { timeoutMs: 200_000 });
    expect(cnn.code, cnn.stderr).toBe(0);
    const c = lastJson<TrainResult>(cnn.stdout);
    expect(c.testAccuracy).toBeGreaterThan(m.testAccuracy);

    // The saved model is plain TF.js: load it as #5 will and score the test set with its recorded normalisation.
    const tf = loadTf();
    const dir = path.join(home, 'models', m.modelId);
    const meta = JSON.parse(fs.readFileSync(path.join(dir, MODEL_FILES.metadata), 'utf8')) as ModelMetadata;
    expect(meta).toMatchObject({ id: m.modelId, runId: m.runId, testAccuracy: m.testAccuracy, params: 109_386, inputShape: [28, 28, 1], spec: { name: 'mlp' } });
    const model = await tf.loadLayersModel(`file://${path.join(dir, MODEL_FILES.topology)}`);
    const { test } = await loadDataset({ dir: fixture() });
    const predicted = tf.tidy(() => {
      const x = tf.tensor4d(normalizePixels(test.images, meta.normalization), [test.count, 28, 28, 1]);
      return (model.predict(x) as Tensor).argMax(1).dataSync();
    });
    const right = test.labels.filter((label, i) => label === predicted[i]).length;
    expect(right / test.count).toBe(m.testAccuracy);
    model.dispose();
  });

  it('trains on the official Fashion-MNIST files (a reduced form of the full 60k/10k check, which takes minutes)', { timeout: 120_000 }, async () => {
    const res = await runCli(['train', '--data-dir', FASHION_MNIST_DIR, '--home', tmpDir(), '--limit', '10000', '--epochs', '2', '--seed', '1', '--json'], { timeoutMs: 120_000 });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/^Training on Fashion-MNIST: 10,000 training, 0 validation, 10,000 test images/m);
    expect(lastJson<TrainResult>(res.stdout).testAccuracy).toBeGreaterThanOrEqual(0.78);
  });

  it('prints the same lossHistory for the same seed, another for another seed', { timeout: 120_000 }, async () => {
    const home = tmpDir();
    const args = (seed: string) => [
      'train',
      '--data-dir',
      fixture(),
      '--home',
      home,
      '--epochs',
      '2',
      '--limit',
      '1500',
      '--log-every',
      '5',
      '--validation-split',
      '0.1',
      '--seed',
      seed,
      '--json',
    ];
    const [a, b, c] = await Promise.all([runCli(args('7')), runCli(args('7')), runCli(args('8'))]);
    for (const r of [a, b, c]) expect(r.code, r.stderr).toBe(0);
    const [la, lb, lc] = [a, b, c].map((r) => lastJson<TrainResult>(r.stdout).lossHistory);
    // 1350 training images at 64 a batch: 22 steps an epoch, every one's loss.
    expect(la).toHaveLength(2 * 22);
    expect(lb).toEqual(la);
    expect(lc).not.toEqual(la);
    expect(lastJson<TrainResult>(b.stdout).testAccuracy).toBe(lastJson<TrainResult>(a.stdout).testAccuracy);
  });

  it('prints the seed’s plain lines on a pipe, and the progress bar on a terminal', { timeout: 120_000 }, async () => {
    const home = tmpDir();
    const plain = await runCli(['train', '--data-dir', fixture(), '--home', home, '--epochs', '1', '--limit', '1000', '--log-every', '5', '--batch-size', '100']);
    expect(plain.code, plain.stderr).toBe(0);
    const lines = plain.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^Run \S+: mlp, seed \d+; home /);
    expect(lines.filter((l) => /^Epoch \[1\/1\], Step \[(5|10)\/10\], Loss: \d+\.\d{4}, Accuracy: \d+\.\d\d%, [\d,]+ samples\/s$/.test(l))).toHaveLength(2);
    expect(lines).toContainEqual(expect.stringMatching(/^Epoch \[1\/1\] done in \d+s: train loss \d\.\d{4}, accuracy \d+\.\d\d%; [\d,]+ samples\/s$/));
    expect(lines).toContainEqual(expect.stringMatching(/^Test accuracy: \d+\.\d\d% \(loss \d\.\d{4}\) on 2,000 test images$/));
    expect(lines.at(-1)).toMatch(/^Run kept as \S+ \(mnist-studio runs show \S+\)$/);
    expect(plain.stdout).not.toContain('\x1b[');

    const command = [
      process.execPath,
      path.join(ROOT, 'bin', 'mnist-studio.js'),
      'train',
      '--data-dir',
      fixture(),
      '--home',
      home,
      '--epochs',
      '1',
      '--limit',
      '3000',
      '--batch-size',
      '16',
    ];
    const tty = spawnSync('script', ['-q', '-e', '-c', command.map((a) => `'${a}'`).join(' '), '/dev/null'], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, COLUMNS: '140' },
    });
    expect(tty.status, tty.stderr).toBe(0);
    expect(tty.stdout).toMatch(/Epoch 1\/1 [█░]+ \d+\/188 \| loss (–|\d\.\d{4}) \| acc (–|\d+\.\d\d%) \| [\d,]+ samples\/s \| ETA \d+s/);
    expect(tty.stdout).toMatch(/Test accuracy: \d+\.\d\d%/);
  });

  it('stops cleanly on Ctrl-C: the run is kept as stopped with an evaluated model, exit 130', { timeout: 120_000 }, async () => {
    const home = tmpDir();
    const cli = startCli(['train', '--data-dir', fixture(), '--home', home, '--epochs', '30', '--batch-size', '16', '--log-every', '20']);
    await cli.waitFor(/Step \[20\//);
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(130);
    const { stdout, stderr } = cli.output();
    expect(stderr).toContain('Stopping after the current batch');
    expect(stdout).toMatch(/Stopped early\. Test accuracy: \d+\.\d\d% .* on 2,000 test images/);
    const runId = /^Run (\S+):/.exec(stdout)![1]!;
    const show = await runCli(['runs', 'show', runId, '--home', home, '--json']);
    const record = JSON.parse(show.stdout) as RunRecord;
    expect(record).toMatchObject({ status: 'stopped', evaluation: { count: 2000 } });
    expect(fs.readdirSync(path.join(home, 'models', record.modelId!)).sort()).toEqual(Object.values(MODEL_FILES).sort());
  });

  it('leaves no running run behind when the CLI itself is killed: the trainer exits and the next listing marks the run failed', { timeout: 120_000 }, async () => {
    const home = tmpDir();
    const cli = startCli(['train', '--data-dir', fixture(), '--home', home, '--epochs', '30', '--batch-size', '16', '--log-every', '20']);
    await cli.waitFor(/Step \[20\//);
    const trainers = childPids(cli.child.pid!);
    expect(trainers).toHaveLength(1);
    cli.child.kill('SIGKILL');
    await cli.exited;
    const gone = async () => {
      for (let i = 0; i < 100; i++) {
        try {
          process.kill(trainers[0]!, 0);
        } catch {
          return true;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      return false;
    };
    expect(await gone()).toBe(true);
    const list = await runCli(['runs', 'list', '--home', home, '--json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout) as RunSummary[]).toEqual([expect.objectContaining({ status: 'failed', reason: expect.stringMatching(/^interrupted: /) })]);
  });

  it('fails a diverging run with exit 1, one error line and a JSON result saying why', { timeout: 60_000 }, async () => {
    const home = tmpDir();
    const res = await runCli([
      'train',
      '--data-dir',
      fixture(),
      '--home',
      home,
      '--epochs',
      '1',
      '--limit',
      '2000',
      '--lr',
      '10',
      '--optimizer',
      'sgd',
      '--log-every',
      '10',
      '--seed',
      '1',
      '--json',
    ]);
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split('\n').at(-1)).toMatch(/^error: run \S+ failed: the loss became (NaN|-?Infinity) at epoch 1, step \d+/);
    expect(lastJson(res.stdout)).toMatchObject({ status: 'failed', modelId: null, reason: expect.stringMatching(/^the loss became/) });
  });
});

describe('mnist-studio train, bad input', () => {
  it('exits 2 with an error naming the flag, the file or the layer, and writes nothing', async () => {
    const home = tmpDir();
    const spec = (name: string, content: string) => {
      const file = path.join(tmpDir(), name);
      fs.writeFileSync(file, content);
      return file;
    };
    const cases: [string[], RegExp][] = [
      [['--epochs', '0'], /^error: --epochs: must be a whole number from 1 to 1000$/],
      [['--batch-size', '64.5'], /^error: --batch-size: must be a whole number from 1 to 8192$/],
      [['--lr', 'fast'], /^error: option '--lr <x>' argument 'fast' is invalid\. must be a number/],
      [['--lr', '-1'], /^error: --lr: must be a number above 0 and at most 10$/],
      [['--validation-split', '0.7'], /^error: --validation-split: must be a number from 0 to 0\.5$/],
      [['--optimizer', 'adagrad'], /^error: option '--optimizer <name>' argument 'adagrad' is invalid\. Allowed choices are sgd, momentum, adam, rmsprop\./],
      [['--preset', 'resnet'], /^error: option '--preset <name>' argument 'resnet' is invalid\. Allowed choices are mlp, cnn\./],
      [['--dataset', 'mnist'], /^error: --dataset: dataset "mnist" is not installed in .*datasets \(installed: none\); download it first/],
      [['--dataset', '../x'], /^error: --dataset: must be an id of letters, digits/],
      [['--data-dir', '/nonexistent/dir'], /^error: --data-dir: \/nonexistent\/dir: no such folder$/],
      [['--data-dir', fixture(), '--dataset', 'mnist'], /^error: --dataset and --data-dir cannot be used together$/],
      [['--model-spec', '/nonexistent.json'], /^error: --model-spec \/nonexistent\.json: cannot read it \(ENOENT\)$/],
      [['--model-spec', spec('bad.json', '{"layers": [')], /^error: --model-spec \S+bad\.json: not valid JSON/],
      [
        ['--model-spec', spec('units.json', '{"layers": [{"type": "flatten"}, {"type": "dense", "units": -3}]}')],
        /^error: --model-spec \S+units\.json: layers\.1\.units: must be a whole number from 1 to 4096$/,
      ],
      [
        ['--model-spec', spec('shape.json', '{"layers": [{"type": "dense", "units": 10}]}')],
        /^error: --model-spec \S+shape\.json: layer 1 \(dense\): needs a flat input but gets \[28, 28, 1\]: put a flatten layer before it$/,
      ],
      [['--preset', 'cnn', '--model-spec', spec('x.json', '{}')], /^error: --preset and --model-spec cannot be used together$/],
      [['--threads', '0'], /^error: --threads: must be a whole number from 1 to 256$/],
      [['--training-path', 'fast'], /^error: option '--training-path <path>' argument 'fast' is invalid\. Allowed choices are auto, native, layers\./],
      [['--augment', 'wobbly'], /^error: --augment wobbly: "wobbly" is not a preset \(none, light, handwriting\) nor key=value$/],
      [['--augment', 'rotate=200'], /^error: --augment rotate=200: rotate must be a number from 0 to 180$/],
      [['--augment', 'light,spin=2'], /^error: --augment light,spin=2: "spin" is not an augmentation \(rotate, shift, scale, shear, elastic, thickness, noise\)$/],
    ];
    const results = await Promise.all(
      cases.map(([args]) => runCli(['train', '--home', home, ...(args.includes('--dataset') || args.includes('--data-dir') ? [] : ['--data-dir', fixture()]), ...args])),
    );
    results.forEach((res, i) => {
      expect(res.code, `${cases[i]![0].join(' ')}: ${res.stderr}`).toBe(2);
      expect(res.stderr.split('\n')[0], cases[i]![0].join(' ')).toMatch(cases[i]![1]);
      expect(res.stdout).toBe('');
    });
    expect(fs.readdirSync(home)).toEqual([]);
  });
});

describe('mnist-studio runs', () => {
  it('lists, shows and deletes runs, with --json, and exits 2 for an unknown id', { timeout: 60_000 }, async () => {
    const home = tmpDir();
    const empty = await runCli(['runs', 'list', '--home', home]);
    expect(empty.stdout.trim()).toBe('No runs yet: train one with `mnist-studio train`.');
    const trained = await runCli(['train', '--data-dir', fixture(), '--home', home, '--epochs', '1', '--limit', '600', '--validation-split', '0.2', '--json']);
    const { runId, modelId } = lastJson<TrainResult>(trained.stdout);

    const list = await runCli(['runs', 'list', '--home', home]);
    expect(list.stdout.split('\n')[0]).toMatch(/^ID\s+STATUS\s+MODEL\s+DATASET\s+EPOCHS\s+TEST ACC\s+DURATION\s+CREATED$/);
    expect(list.stdout).toMatch(new RegExp(`^${runId}\\s+done\\s+mlp\\s+\\S+\\s+1/1\\s+\\d+\\.\\d\\d%`, 'm'));
    const listed = JSON.parse((await runCli(['runs', 'list', '--home', home, '--json'])).stdout) as RunSummary[];
    expect(listed).toEqual([expect.objectContaining({ id: runId, modelId, status: 'done' })]);

    const show = await runCli(['runs', 'show', runId, '--home', home]);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/^settings\s+1 epochs, batch 64, adam lr 0\.001, cross-entropy, validation 0\.2, seed \d+, limit 600$/m);
    expect(show.stdout).toMatch(/^machine\s+.*tfjs-node 4\.22\.0, libtensorflow 2\.\d+\.\d+/m);
    expect(show.stdout).toMatch(
      /^engine\s+native \(the native path passed its self-test against tfjs-layers\); TF intra-op threads \S+, from (auto|environment)(; ops in the trainer’s own thread|; inter-op threads \d+)?$/m,
    );
    expect(show.stdout).toMatch(/^CLASS\s+PRECISION\s+RECALL\s+F1\s+SUPPORT$/m);
    const record = JSON.parse((await runCli(['runs', 'show', runId, '--home', home, '--json'])).stdout) as RunRecord;
    expect(record).toMatchObject({ id: runId, config: { hyperparams: { limit: 600 } }, dataset: { trainCount: 480, validationCount: 120 } });
    expect(record.metrics.epochs).toHaveLength(1);

    expect((await runCli(['runs', 'show', 'nope', '--home', home])).code).toBe(2);
    expect((await runCli(['runs', 'show', '../etc', '--home', home])).stderr).toMatch(/^error: run id: must be an id/);
    const del = await runCli(['runs', 'delete', runId, '--home', home, '--json']);
    expect(JSON.parse(del.stdout)).toEqual({ id: runId });
    expect(fs.readdirSync(path.join(home, 'runs'))).toEqual([]);
    expect(fs.existsSync(path.join(home, 'models', modelId))).toBe(true);
    const again = await runCli(['runs', 'delete', runId, '--home', home]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^error: no run \S+ in /);
  });
});
