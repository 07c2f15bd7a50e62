/**
 * Sweeps through a real Redis and BullMQ: `redis-server` on a free loopback
 * port (skipped with a note where it is not installed), two `mnist-studio
 * worker`s with homes of their own, and `sweep --queue` in a third home. One
 * worker is killed with SIGKILL during a trial: BullMQ's stalled-job check
 * hands it to the other, and all 6 trials land in the sweep's home once,
 * each with its run and model.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../src/shared/training';
import { mnistFixtureDir } from '../../helpers/mnist-fixture';
import { ROOT, runCli } from '../../helpers/project';
import { tmpDir } from '../../helpers/tmp';
import { requireBuiltTrainer } from '../../helpers/training';

const REDIS = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';
const haveRedis = fs.existsSync(REDIS);
if (!haveRedis) console.warn(`skipping the queue test: no redis-server at ${REDIS} (set REDIS_SERVER)`);

beforeAll(requireBuiltTrainer);

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function start(cmd: string, args: string[]) {
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const out = { text: '' };
  child.stdout.on('data', (d: Buffer) => (out.text += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out.text += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return { child, out, exited };
}

async function until(what: string, test: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!haveRedis)('sweep --queue with BullMQ workers', () => {
  it('two workers, one killed with SIGKILL mid-trial: all 6 trials complete once, runs and models in the sweep’s home', { timeout: 600_000 }, async () => {
    const port = await freePort();
    const redisDir = tmpDir();
    const redis = start(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--dir', redisDir, '--save', '', '--appendonly', 'no']);
    await until('redis-server', () => /Ready to accept connections/.test(redis.out.text), 20_000);
    const url = `redis://127.0.0.1:${port}`;
    const bin = path.join(ROOT, 'bin', 'mnist-studio.js');
    const [homeA, homeB, home] = [tmpDir(), tmpDir(), tmpDir()];
    const a = start(process.execPath, [bin, '--home', homeA, 'worker', '--queue', url]);
    const b = start(process.execPath, [bin, '--home', homeB, 'worker', '--queue', url]);
    await until('both workers', () => /worker ready/.test(a.out.text) && /worker ready/.test(b.out.text), 60_000);

    const spec = path.join(home, 'spec.json');
    fs.writeFileSync(
      spec,
      JSON.stringify({ dataDir: mnistFixtureDir(), base: { epochs: 2, limit: 2000, logEvery: 50 }, seed: 4, vary: { lr: [0.0005, 0.001, 0.002], batchSize: [64, 128] } }),
    );
    const sweep = start(process.execPath, [bin, '--home', home, 'sweep', spec, '--queue', url, '--json']);

    // Worker A is killed during its second trial (its first has been sent back).
    await until('worker A in its second trial', () => (a.out.text.match(/: run /g) ?? []).length >= 2, 300_000);
    a.child.kill('SIGKILL');
    await a.exited;
    const killedRun = [...a.out.text.matchAll(/: run (\S+)/g)].at(-1)![1]!;

    await sweep.exited;
    expect(sweep.child.exitCode, sweep.out.text).toBe(0);
    const result = JSON.parse(sweep.out.text.trim().split('\n').at(-1)!) as { status: string; trials: { status: string; runId: string; modelId: string; metric: number }[] };
    expect(result.status).toBe('done');
    expect(result.trials).toHaveLength(6);
    expect(result.trials.every((t) => t.status === 'done' && t.metric > 0.5)).toBe(true);
    // The killed trial was trained again by worker B, under the same run id, and landed once.
    expect(result.trials.map((t) => t.runId)).toContain(killedRun);
    expect(b.out.text).toContain(`run ${killedRun}`);
    const runs = JSON.parse((await runCli(['--home', home, 'runs', 'list', '--json'])).stdout) as RunSummary[];
    expect(runs.map((r) => r.id).sort()).toEqual(result.trials.map((t) => t.runId).sort());
    expect(runs.every((r) => r.status === 'done' && r.modelId !== null)).toBe(true);
    for (const t of result.trials) expect(fs.existsSync(path.join(home, 'models', t.modelId, 'metadata.json'))).toBe(true);
    const shown = await runCli(['--home', home, 'models', 'list', '--json']);
    expect((JSON.parse(shown.stdout) as unknown[]).length).toBe(6);
    b.child.kill('SIGTERM');
    await b.exited;
  });
});
