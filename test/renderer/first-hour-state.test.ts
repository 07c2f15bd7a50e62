import { afterEach, describe, expect, it } from 'vitest';
import { formatDuration } from '../../src/renderer/src/format';
import type { TrainStatus } from '../../src/shared/training';
import { cleanUp, mountStudio, settle, StudioDouble, type Mounted } from './harness';
import { fakeRun, RunsDouble } from './runs-double';
import { batches, datasetSummary, done, progress, RUN, started } from './training-fixtures';

/** Issue 15, item 8: what the Train screen says while paused and once done, and durations under a second. */

let mounted: Mounted | null = null;

afterEach(() => {
  cleanUp(mounted);
  mounted = null;
});

const status = (state: TrainStatus['state']): TrainStatus => ({ runId: RUN, state, epoch: 1, epochs: 2, step: 4, stepsPerEpoch: 10 });

async function openTrain(): Promise<Mounted> {
  const studio = new StudioDouble()
    .respond('datasets:list', () => [datasetSummary('mnist')])
    .respond('train:start', () => ({ runId: RUN }))
    .respond('train:pause', () => status('paused'));
  mounted = await mountStudio({ studio, path: '/train' });
  return mounted;
}

const get = (m: Mounted, id: string) => m.wrapper.get(`[data-testid="${id}"]`);

describe('the Train screen’s numbers', () => {
  it('shows no time left while paused (nothing is counting down), and one speed for a finished run: the run’s own', async () => {
    const m = await openTrain();
    await get(m, 'start').trigger('click');
    await settle();
    const studio = m.studio!;
    studio.emit('train', started());
    studio.emit('train', progress(1, 4));
    studio.emit('train', batches([1, 2, 3, 4]));
    await settle();
    expect(get(m, 'eta').text()).toBe('1 min 15 s');
    studio.emit('train', { kind: 'activity', runId: RUN, activity: 'paused' });
    await settle();
    expect(get(m, 'run-phase').text()).toBe('Paused');
    expect(get(m, 'eta').text()).toBe('—');
    studio.emit('train', { kind: 'activity', runId: RUN, activity: 'running' });
    await settle();
    expect(get(m, 'eta').text()).toBe('1 min 15 s');

    // The last progress said 5,123 images/s; the run's own speed over all its training is 5,400: the screen shows that one, in both places.
    studio.emit('train', done());
    await settle();
    expect(get(m, 'samples-per-sec').text()).toBe('5,400 images/s');
    expect(m.wrapper.get('[data-testid="run-result"]').text()).toContain('5,400 images/s');
  });

  it('writes a duration under a second in milliseconds, not "0 s"', () => {
    expect(formatDuration(0.35, 'en')).toBe('350 ms');
    expect(formatDuration(0.9996, 'en')).toBe('1 sec');
    expect(formatDuration(0, 'en')).toBe('0 ms');
    expect(formatDuration(0.35, 'zh-CN')).toBe('350毫秒');
  });

  it('after a reload with nothing training, shows the last run as it ended, its result included; not on the screen that fine-tunes another model', async () => {
    const studio = new StudioDouble()
      .respond('datasets:list', () => [datasetSummary('mnist')])
      .respond('train:status', () => ({ runId: null, state: 'idle', epoch: 0, epochs: 0, step: 0, stepsPerEpoch: 0 }))
      .respond('models:get', () => ({ id: 'm1', name: 'My digits', metadata: { spec: { name: 'mlp', layers: [] } } as never, summary: {} as never }) as never);
    new RunsDouble(studio, [
      fakeRun({ id: '20260601-090000-aaaaaa', createdAt: '2026-06-01T09:00:00.000Z', accuracy: 0.8 }),
      fakeRun({ id: '20260602-090000-bbbbbb', createdAt: '2026-06-02T09:00:00.000Z', accuracy: 0.9, durationMs: 650 }),
    ]);
    mounted = await mountStudio({ studio, path: '/train' });
    await settle();
    const m = mounted;
    expect(get(m, 'run-phase').text()).toBe('Finished');
    expect(get(m, 'test-accuracy').text()).toBe('90.00%');
    expect(get(m, 'run-result').text()).toContain('650 ms');
    expect(get(m, 'to-evaluation').attributes('href')).toBe('/evaluate?run=20260602-090000-bbbbbb');
    expect(get(m, 'samples-per-sec').text()).toBe('5,000 images/s');

    await m.router.push('/train?fromModel=m1');
    await settle();
    expect(m.wrapper.find('[data-testid="run-result"]').exists()).toBe(false);
  });

  it('after a reload, a finished run that logged no batch (fewer steps than "log every") still shows 100 % and its last epoch', async () => {
    const studio = new StudioDouble()
      .respond('datasets:list', () => [datasetSummary('mnist')])
      .respond('train:status', () => ({ runId: null, state: 'idle', epoch: 0, epochs: 0, step: 0, stepsPerEpoch: 0 }));
    // 1,000 images at 64 a batch: 16 steps an epoch, logged every 100, so no batch point at all.
    new RunsDouble(studio, [fakeRun({ id: '20260602-090000-cccccc', createdAt: '2026-06-02T09:00:00.000Z', hyperparams: { epochs: 2, logEvery: 100 } })]);
    mounted = await mountStudio({ studio, path: '/train' });
    await settle();
    expect(get(mounted, 'run-phase').text()).toBe('Finished');
    expect(get(mounted, 'progress-bar').attributes('aria-valuenow')).toBe('100');
    expect(get(mounted, 'run-where').text()).toBe('Epoch 2 of 2 · step 16 of 16');
    expect(get(mounted, 'samples-per-sec').text()).toBe('5,000 images/s');
  });
});
