/**
 * Self-test verdicts kept in the home's cache: a later trainer of the same
 * configuration takes the verdict instead of testing again; a verdict
 * belongs to its configuration (an injected fault is another one); a cache
 * file that is not valid is ignored and written anew, and the run is not
 * hurt by it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { selfTestCache } from '../../../src/main/trainer/home-cache';
import { mnistFixtureDir } from '../../helpers/mnist-fixture';
import { runCli } from '../../helpers/project';
import { tmpDir } from '../../helpers/tmp';

interface Result {
  trainingPath: string;
  trainingPathCause: string;
  trainingPathReason: string;
}

async function train(home: string, env: NodeJS.ProcessEnv = {}): Promise<Result> {
  const res = await runCli(['train', '--data-dir', mnistFixtureDir(), '--limit', '600', '--epochs', '1', '--seed', '3', '--json', '--home', home], { env });
  expect(res.code, res.stderr).toBe(0);
  const { trainingPath, trainingPathCause, trainingPathReason } = JSON.parse(res.stdout.trim().split('\n').at(-1)!) as Result;
  return { trainingPath, trainingPathCause, trainingPathReason };
}

const verdicts = (home: string) => (JSON.parse(fs.readFileSync(path.join(home, selfTestCache.file), 'utf8')) as { verdicts: Record<string, unknown> }).verdicts;

describe('the self-test cache', () => {
  it('keeps each configuration’s verdict for the next trainer; a fault is its own configuration; a bad file is replaced', { timeout: 120_000 }, async () => {
    const home = tmpDir();
    const first = await train(home);
    expect(first).toMatchObject({ trainingPath: 'native', trainingPathCause: 'self-test-passed' });
    expect(Object.values(verdicts(home))).toEqual([null]);

    // Twice the learning rate on the native side: the self-test catches it and the run trains on tfjs-layers; that
    // verdict is kept under the fault's key, beside the passing one.
    const faulty = await train(home, { MNIST_STUDIO_NATIVE_FAULT: 'disagree' });
    expect(faulty).toMatchObject({ trainingPath: 'layers', trainingPathCause: 'native-disagreed' });
    const kept = verdicts(home);
    expect(Object.values(kept)).toEqual([null, expect.objectContaining({ cause: 'native-disagreed' })]);

    // Taken from the cache (the file is not rewritten), with the verdict it recorded.
    const again = await train(home, { MNIST_STUDIO_NATIVE_FAULT: 'disagree' });
    expect(again).toEqual(faulty);
    const plain = await train(home);
    expect(plain).toMatchObject({ trainingPath: 'native', trainingPathCause: 'self-test-passed' });
    expect(verdicts(home)).toEqual(kept);

    // The verdict is read, not tested again: one written in for this configuration and these versions is taken as it is.
    const file = path.join(home, selfTestCache.file);
    const plainKey = Object.keys(kept).find((k) => kept[k] === null)!;
    fs.writeFileSync(file, JSON.stringify({ formatVersion: 1, verdicts: { [plainKey]: { cause: 'native-disagreed', message: 'written in by the test' } } }));
    expect(await train(home)).toMatchObject({ trainingPath: 'layers', trainingPathReason: expect.stringContaining('written in by the test') });
    // Of other versions (another app version), it is not taken.
    fs.writeFileSync(file, JSON.stringify({ formatVersion: 1, verdicts: { [plainKey.replace(/^\["[^"]*"/, '["0.0.0-other"')]: { cause: 'native-disagreed', message: 'x' } } }));
    expect((await train(home)).trainingPathCause).toBe('self-test-passed');

    fs.writeFileSync(file, '{"formatVersion": 1, "verdicts": {"x": 12}');
    expect((await train(home)).trainingPath).toBe('native');
    expect(Object.values(verdicts(home))).toEqual([null]);
  });
});
