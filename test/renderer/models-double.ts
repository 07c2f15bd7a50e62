import type { ModelEntry } from '../../src/shared/models';

/** A library entry as the engine lists it; trained on MNIST unless told. */
export function modelEntry(id: string, overrides: Partial<ModelEntry> = {}): ModelEntry {
  return {
    id,
    name: `mlp · MNIST`,
    architecture: 'flatten → dense 128 relu → dense 64 relu → dense 10',
    specName: 'mlp',
    params: 109_386,
    datasetId: 'mnist',
    datasetName: 'MNIST',
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    testAccuracy: 0.9734,
    createdAt: '2026-06-02T09:00:00.000Z',
    runId: `run-${id}`,
    parentModelId: null,
    source: 'trained',
    stoppedEarly: false,
    bytes: 440_000,
    personalAccuracy: [],
    ...overrides,
  };
}
