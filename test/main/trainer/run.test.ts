/**
 * Whole runs on the native path inside this process (what a trainer
 * process does with a job), to see what the binding holds: the native
 * handles stay flat across epochs, every resource variable is destroyed
 * and no handle is left once the run has ended, and a fine-tuning run
 * (`fromModel`) starts the native path from the saved model's weights.
 */
import { describe, expect, it, vi } from 'vitest';
import { presetSpec } from '../../../src/shared/model-spec';
import { TrainConfigInput, type TrainConfig, type TrainEvent } from '../../../src/shared/training';
import { readMetadata } from '../../../src/main/models/store';
import { loadTf } from '../../../src/main/native';
import { RunControl } from '../../../src/main/trainer/control';
import { nativeAccess } from '../../../src/main/trainer/native/binding';
import { NativePath } from '../../../src/main/trainer/native/path';
import { runJob } from '../../../src/main/trainer/run';
import { tmpDir } from '../../helpers/tmp';
import { homeWithFixture } from '../../helpers/training';

const tf = loadTf();
const { binding } = nativeAccess(tf);

function config(hyperparams: Record<string, unknown>, fromModel?: string): TrainConfig {
  const parsed = TrainConfigInput.parse({ dataset: { id: 'digits' }, model: presetSpec('mlp'), hyperparams, ...(fromModel ? { fromModel } : {}) });
  return { ...parsed, hyperparams: { ...parsed.hyperparams, seed: parsed.hyperparams.seed ?? 1 } };
}

interface Ran {
  done: Extract<TrainEvent, { kind: 'done' }>;
  started: Extract<TrainEvent, { kind: 'started' }>;
  batches: Extract<TrainEvent, { kind: 'batch' }>['points'];
  /** Every batch's loss as streamed: [from, values] of each batch event. */
  losses: Extract<TrainEvent, { kind: 'batch' }>['losses'][];
  /** The binding's live handles at each epoch's end. */
  handlesPerEpoch: number[];
}

async function run(home: string, cfg: TrainConfig, id: string): Promise<Ran> {
  const events: TrainEvent[] = [];
  const handlesPerEpoch: number[] = [];
  const done = await runJob(tf, { runId: id, modelId: `model-${id}`, home, config: cfg, appVersion: '0.0.0-test', intraOpThreadsFrom: 'auto' }, new RunControl(), (event) => {
    events.push(event);
    if (event.kind === 'epoch') handlesPerEpoch.push(binding.getNumOfTensors());
  });
  if (done.kind !== 'done') throw new Error(`run ${id} ended with ${done.kind}`);
  const started = events.find((e): e is Ran['started'] => e.kind === 'started');
  if (!started) throw new Error(`run ${id} never started`);
  return {
    done,
    started,
    batches: events.flatMap((e) => (e.kind === 'batch' ? e.points : [])),
    losses: events.flatMap((e) => (e.kind === 'batch' ? [e.losses] : [])),
    handlesPerEpoch,
  };
}

describe('a run on the native path, in this process', () => {
  it(
    'keeps the native handles flat across epochs, destroys its variables and leaves no handle; a fine-tuning run starts from the saved weights',
    { timeout: 120_000 },
    async () => {
      const home = homeWithFixture('digits', tmpDir());
      // Every native path disposed here (the self-test's and the run's), to name their variables afterwards.
      const disposed = vi.spyOn(NativePath.prototype, 'dispose');
      try {
        const handles = binding.getNumOfTensors();
        const tensors = tf.memory().numTensors;
        const parent = await run(home, config({ epochs: 3, limit: 1200, batchSize: 32, logEvery: 5, seed: 4, validationSplit: 0.1 }), 'parent');
        expect(parent.started.environment).toMatchObject({ trainingPath: 'native', trainingPathReason: 'the native path passed its self-test against tfjs-layers' });
        expect(parent.done.status).toBe('done');
        expect(parent.done.evaluation.accuracy).toBeGreaterThan(0.8);
        expect(parent.handlesPerEpoch).toHaveLength(3);
        // Every batch's loss is streamed once, in order (1080 images at 32 a batch: 34 steps an epoch, the last 6 after the last logged one);
        // each logged point's loss is its step's.
        const stepsPerEpoch = parent.started.stepsPerEpoch;
        expect(stepsPerEpoch).toBe(34);
        let next = 1;
        for (const chunk of parent.losses) {
          expect(chunk.from).toBe(next);
          next += chunk.values.length;
        }
        expect(next - 1).toBe(3 * stepsPerEpoch);
        const all = parent.losses.flatMap((c) => c.values);
        for (const p of parent.batches) expect(all[p.globalStep - 1]).toBe(p.loss);
        expect(new Set(parent.handlesPerEpoch).size).toBe(1);
        // The run held native handles while it trained, and none once it ended.
        expect(parent.handlesPerEpoch[0]!).toBeGreaterThan(handles);
        expect(binding.getNumOfTensors()).toBe(handles);
        expect(tf.memory().numTensors).toBe(tensors);
        // Every variable was destroyed with DestroyResourceOp: a new handle of its name finds no buffer.
        const variableNames = (disposed.mock.contexts as NativePath[]).flatMap((path) => path.variableNames());
        // Two paths (the self-test's and the run's), each the mlp's 6 weights and Adam's 2 slots per weight.
        expect(disposed.mock.contexts).toHaveLength(2);
        expect(new Set(variableNames).size).toBe(2 * 6 * 3);
        for (const name of variableNames) expect(() => readVariable(name)).toThrow(/Could not find variable/);
        expect(binding.getNumOfTensors()).toBe(handles);

        // Fine-tuning: the same network from the parent's weights, on the native path too, with a tiny learning rate.
        const parentModel = await readMetadata(home, parent.done.modelId);
        const child = await run(home, config({ epochs: 1, limit: 1200, batchSize: 32, logEvery: 1, seed: 9, learningRate: 1e-6 }, parentModel.id), 'child');
        expect(child.started.environment.trainingPath).toBe('native');
        // A fresh mlp starts near ln 10 ≈ 2.3; this one starts where its parent ended, and stays there.
        expect(child.batches[0]!.loss).toBeLessThan(1);
        expect(Math.abs(child.done.evaluation.accuracy - parent.done.evaluation.accuracy)).toBeLessThan(0.01);
        expect((await readMetadata(home, child.done.modelId)).parentModelId).toBe(parentModel.id);
        expect(binding.getNumOfTensors()).toBe(handles);
        expect(tf.memory().numTensors).toBe(tensors);
      } finally {
        disposed.mockRestore();
      }
    },
  );
});

/** Reads the float32 resource variable called `name` through a fresh handle (freed again, whatever happens). */
function readVariable(name: string): void {
  const handle = binding.executeOp(
    'VarHandleOp',
    [
      { name: 'dtype', type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT },
      { name: 'shape', type: binding.TF_ATTR_SHAPE, value: [] },
      { name: 'container', type: binding.TF_ATTR_STRING, value: '' },
      { name: 'shared_name', type: binding.TF_ATTR_STRING, value: name },
    ],
    [],
    1,
  )[0]!.id;
  try {
    const value = binding.executeOp('ReadVariableOp', [{ name: 'dtype', type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT }], [handle], 1)[0]!.id;
    binding.deleteTensor(value);
  } finally {
    binding.deleteTensor(handle);
  }
}
