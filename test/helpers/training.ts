import { expect } from 'vitest';
import type { HyperparamsInput } from '../../src/shared/hyperparams';
import { presetSpec, type ModelSpec } from '../../src/shared/model-spec';
import { TrainConfigInput, type TrainEvent } from '../../src/shared/training';
import type { TrainingHost } from '../../src/main/training/host';
import { forkTrainer, type TrainerLauncher, type TrainerProcess } from '../../src/main/training/trainer-process';
import { mnistFixtureDir } from './mnist-fixture';
import { ROOT } from './project';
import fs from 'node:fs';
import path from 'node:path';

/** The trainer processes are the built bundle: npm test builds first. */
export function requireBuiltTrainer(): void {
  if (!fs.existsSync(path.join(ROOT, 'out', 'main', 'trainer.js'))) throw new Error('the trainer is not built: run `npm run build` (npm test does) before these tests');
}

/** A checked config on the real-digit fixture (8000/2000), mlp unless told. */
export function fixtureConfig(hyperparams: HyperparamsInput = {}, model: ModelSpec = presetSpec('mlp')) {
  return TrainConfigInput.parse({ dataset: { dir: mnistFixtureDir() }, model, hyperparams });
}

/** forkTrainer, keeping each child so a test can kill it. */
export function recordingLauncher(): { launch: TrainerLauncher; children: TrainerProcess[] } {
  const children: TrainerProcess[] = [];
  return {
    children,
    launch: (options) => {
      const child = forkTrainer(options);
      children.push(child);
      return child;
    },
  };
}

/** Resolves with the first event of the host that matches, or fails after `timeoutMs`. */
export function nextEvent<K extends TrainEvent['kind']>(
  host: TrainingHost,
  kind: K,
  match: (event: Extract<TrainEvent, { kind: K }>) => boolean = () => true,
  timeoutMs = 60_000,
): Promise<Extract<TrainEvent, { kind: K }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${kind} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = host.on((event) => {
      if (event.kind === kind && match(event as Extract<TrainEvent, { kind: K }>)) {
        clearTimeout(timer);
        off();
        resolve(event as Extract<TrainEvent, { kind: K }>);
      }
    });
  });
}

/** Every event of a host, in order. */
export function collectEvents(host: TrainingHost): TrainEvent[] {
  const events: TrainEvent[] = [];
  host.on((event) => events.push(event));
  return events;
}

export function expectFolderFiles(dir: string, files: string[]): void {
  expect(fs.readdirSync(dir).sort()).toEqual([...files].sort());
}

/** A temporary studio home with the real-digit fixture installed as dataset `id`. */
export function homeWithFixture(id: string, home: string): string {
  const dir = path.join(home, 'datasets', id);
  fs.mkdirSync(dir, { recursive: true });
  for (const f of fs.readdirSync(mnistFixtureDir())) fs.copyFileSync(path.join(mnistFixtureDir(), f), path.join(dir, f));
  return home;
}
