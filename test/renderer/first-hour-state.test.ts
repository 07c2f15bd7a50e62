import { afterEach, describe, expect, it } from 'vitest';
import { formatDuration } from '../../src/renderer/src/format';
import type { TrainStatus } from '../../src/shared/training';
import { cleanUp, mountStudio, settle, StudioDouble, type Mounted } from './harness';
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
});
