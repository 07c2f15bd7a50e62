import type { DOMWrapper, VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import LineChart from '../../src/renderer/src/components/charts/LineChart.vue';
import { MAX_COMPARED } from '../../src/renderer/src/stores/runs';
import { cleanUp, collectDownloads, mountStudio, settle, StudioDouble, type Mounted } from './harness';
import { fakeRun, RunsDouble, type FakeRun } from './runs-double';

let mounted: Mounted | null = null;

afterEach(() => {
  cleanUp(mounted);
  mounted = null;
});

/** Four runs of different kinds, oldest first. */
const RUNS: FakeRun[] = [
  { id: '20260601-090000-aaaaaa', createdAt: '2026-06-01T09:00:00.000Z', accuracy: 0.9, durationMs: 95_000, hyperparams: { batchSize: 64, learningRate: 0.001 } },
  {
    id: '20260602-090000-bbbbbb',
    createdAt: '2026-06-02T09:00:00.000Z',
    model: 'cnn',
    datasetId: 'fashion-mnist',
    accuracy: 0.8,
    durationMs: 300_000,
    hyperparams: { batchSize: 128, learningRate: 0.01, optimizer: 'sgd', validationSplit: 0.1 },
  },
  {
    id: '20260603-090000-cccccc',
    createdAt: '2026-06-03T09:00:00.000Z',
    status: 'failed',
    model: { name: 'tiny', layers: [{ type: 'flatten' }, { type: 'dense', units: 10 }] },
    datasetId: 'my-digits',
    reason: 'loss became NaN at epoch 1, step 3: lower the learning rate',
    hyperparams: { learningRate: 5, optimizer: 'rmsprop' },
  },
  { id: '20260604-090000-dddddd', createdAt: '2026-06-04T09:00:00.000Z', status: 'stopped', accuracy: 0.95, durationMs: 30_000, hyperparams: { epochs: 3, batchSize: 32 } },
];

async function openRuns(options: { runs?: FakeRun[]; language?: 'en' | 'zh-CN' } = {}) {
  const studio = new StudioDouble({ language: options.language ?? 'en' });
  const double = new RunsDouble(studio, (options.runs ?? RUNS).map(fakeRun));
  mounted = await mountStudio({ studio, path: '/runs' });
  return { wrapper: mounted.wrapper, router: mounted.router, studio, double };
}

/** The words of an element, its pieces joined by a space as a person reads them (the spans sit side by side with gaps, not spaces). */
function squash(w: Pick<DOMWrapper<Element>, 'element'>): string {
  const texts: string[] = [];
  const walker = document.createTreeWalker(w.element, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) texts.push(walker.currentNode.textContent ?? '');
  return texts
    .map((t) => t.trim())
    .filter(Boolean)
    .join(' ')
    .replace(/\s+/g, ' ');
}
const rows = (wrapper: VueWrapper) => wrapper.findAll('[data-testid="run-row"]');
const ids = (wrapper: VueWrapper) => rows(wrapper).map((r) => r.attributes('data-run')!.slice(-6));
const row = (wrapper: VueWrapper, id: string) => wrapper.get(`[data-testid="run-row"][data-run="${id}"]`);
const cells = (w: Pick<DOMWrapper<Element>, 'findAll'>) => w.findAll('td').map(squash);

describe('the Runs screen', () => {
  it('says there are no runs yet and links to Train', async () => {
    const { wrapper, router } = await openRuns({ runs: [] });
    const empty = wrapper.get('[data-testid="no-runs"]');
    expect(empty.get('h2').text()).toBe('No runs yet');
    expect(wrapper.find('[data-testid="runs-table"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="empty-state"]').exists()).toBe(false);
    await empty.get('[data-testid="to-train"]').trigger('click');
    await settle();
    expect(router.currentRoute.value.path).toBe('/train');
  });

  it('lists every run, newest first, with its data set, model, settings, status, duration and test accuracy', async () => {
    const { wrapper } = await openRuns();
    expect(ids(wrapper)).toEqual(['dddddd', 'cccccc', 'bbbbbb', 'aaaaaa']);
    const headers = wrapper.findAll('thead th').map((th) => [squash(th), th.attributes('aria-sort') ?? null]);
    expect(headers).toEqual([
      ['Compare', null],
      ['Started', 'descending'],
      ['Data set', 'none'],
      ['Model', 'none'],
      ['Epochs', 'none'],
      ['Batch', 'none'],
      ['Learning rate', 'none'],
      ['Status', 'none'],
      ['Duration', 'none'],
      ['Test accuracy', 'none'],
      ['Actions', null],
    ]);
    const [, ...fashion] = cells(row(wrapper, '20260602-090000-bbbbbb'));
    expect(fashion.slice(1)).toEqual(['Fashion-MNIST', 'cnn preset 61,706 parameters', '2 of 2', '128', '0.01 SGD', 'Done', '5 min', '80.0%', '']);
    expect(fashion[0]).toMatch(/^Jun 2 \d\d:00( [AP]M)?$/);
    expect(cells(row(wrapper, '20260603-090000-cccccc')).slice(2)).toEqual([
      'my-digits',
      'tiny custom 7,850 parameters',
      '0 of 2',
      '64',
      '5 RMSprop',
      'Failed loss became NaN at epoch 1, step 3: lower the learning rate',
      '–',
      '–',
      '',
    ]);
    expect(cells(row(wrapper, '20260604-090000-dddddd')).slice(7, 10)).toEqual(['Stopped Stopped early by you', '30 sec', '95.0%']);
    // A failed run has nothing to evaluate; the others link there.
    expect(row(wrapper, '20260603-090000-cccccc').find('[data-testid="run-evaluate"]').exists()).toBe(false);
    expect(row(wrapper, '20260601-090000-aaaaaa').get('[data-testid="run-evaluate"]').attributes('href')).toBe('/evaluate?run=20260601-090000-aaaaaa');
    expect(wrapper.get('[data-testid="runs-shown"]').text()).toBe('Showing 4 of 4');
  });

  it('sorts by any column from its header, nulls last either way, and says how in aria-sort', async () => {
    const { wrapper } = await openRuns();
    const accuracy = () => wrapper.get('[data-testid="sort-testAccuracy"]');
    await accuracy().trigger('click');
    expect(ids(wrapper)).toEqual(['dddddd', 'aaaaaa', 'bbbbbb', 'cccccc']);
    expect(accuracy().element.closest('th')!.getAttribute('aria-sort')).toBe('descending');
    expect(wrapper.get('[data-testid="sort-createdAt"]').element.closest('th')!.getAttribute('aria-sort')).toBe('none');
    await accuracy().trigger('click');
    expect(ids(wrapper)).toEqual(['bbbbbb', 'aaaaaa', 'dddddd', 'cccccc']);
    expect(accuracy().element.closest('th')!.getAttribute('aria-sort')).toBe('ascending');
    await wrapper.get('[data-testid="sort-datasetId"]').trigger('click');
    expect(ids(wrapper)).toEqual(['bbbbbb', 'dddddd', 'aaaaaa', 'cccccc']);
    await wrapper.get('[data-testid="sort-learningRate"]').trigger('click');
    expect(ids(wrapper)).toEqual(['dddddd', 'aaaaaa', 'bbbbbb', 'cccccc']);
    await wrapper.get('[data-testid="sort-batchSize"]').trigger('click');
    expect(ids(wrapper)).toEqual(['dddddd', 'cccccc', 'aaaaaa', 'bbbbbb']);
    await wrapper.get('[data-testid="sort-status"]').trigger('click');
    expect(ids(wrapper).slice(0, 2).sort()).toEqual(['aaaaaa', 'bbbbbb']);
    expect(ids(wrapper).slice(2)).toEqual(['dddddd', 'cccccc']);
    await wrapper.get('[data-testid="sort-durationMs"]').trigger('click');
    expect(ids(wrapper)).toEqual(['bbbbbb', 'aaaaaa', 'dddddd', 'cccccc']);
    // The choice outlives a visit elsewhere.
    await mounted!.router.push('/data');
    await settle();
    await mounted!.router.push('/runs');
    await settle();
    expect(ids(wrapper)).toEqual(['bbbbbb', 'aaaaaa', 'dddddd', 'cccccc']);
  });

  it('filters by status, data set, model and words, says how many are shown, and clears', async () => {
    const { wrapper } = await openRuns();
    await wrapper.get('[data-testid="filter-status"]').setValue('failed');
    expect(ids(wrapper)).toEqual(['cccccc']);
    expect(wrapper.get('[data-testid="runs-shown"]').text()).toBe('Showing 1 of 4');
    await wrapper.get('[data-testid="clear-filters"]').trigger('click');
    expect(ids(wrapper)).toHaveLength(4);
    expect(wrapper.find('[data-testid="clear-filters"]').exists()).toBe(false);

    expect(
      wrapper
        .get('[data-testid="filter-dataset"]')
        .findAll('option')
        .map((o) => o.text()),
    ).toEqual(['All', 'Fashion-MNIST', 'MNIST', 'my-digits']);
    await wrapper.get('[data-testid="filter-dataset"]').setValue('mnist');
    expect(ids(wrapper)).toEqual(['dddddd', 'aaaaaa']);
    await wrapper.get('[data-testid="filter-model"]').setValue('cnn');
    expect(ids(wrapper)).toEqual([]);
    expect(wrapper.get('[data-testid="runs-none"]').text()).toBe('No run matches these filters.');
    await wrapper.get('[data-testid="clear-filters"]').trigger('click');

    await wrapper.get('[data-testid="filter-text"]').setValue('rmsprop');
    expect(ids(wrapper)).toEqual(['cccccc']);
    await wrapper.get('[data-testid="filter-text"]').setValue('  NaN   learning ');
    expect(ids(wrapper)).toEqual(['cccccc']);
    await wrapper.get('[data-testid="filter-text"]').setValue('cnn fashion');
    expect(ids(wrapper)).toEqual(['bbbbbb']);
    await wrapper.get('[data-testid="filter-text"]').setValue('bbbbbb');
    expect(ids(wrapper)).toEqual(['bbbbbb']);
  });

  it('deletes a run after asking; Cancel keeps it', async () => {
    const { wrapper, studio, double } = await openRuns();
    const dialog = () => wrapper.get<HTMLDialogElement>('[data-testid="delete-dialog"]');
    await row(wrapper, '20260601-090000-aaaaaa').get('[data-testid="run-delete"]').trigger('click');
    await settle();
    expect(dialog().element.open).toBe(true);
    expect(dialog().get('h2').text()).toBe('Delete this run?');
    expect(squash(dialog())).toMatch(
      /^Delete this run\? mlp · MNIST · Jun 1, \d\d:00:00( [AP]M)? will be deleted, with its curves and test results\. The model it saved stays in the model library\./,
    );
    expect(document.activeElement).toBe(dialog().get('[data-testid="delete-cancel"]').element);
    await dialog().get('[data-testid="delete-cancel"]').trigger('click');
    await settle();
    expect(dialog().element.open).toBe(false);
    expect(studio.calls.filter((c) => c.method === 'runs:delete')).toEqual([]);

    await row(wrapper, '20260601-090000-aaaaaa').get('[data-testid="run-delete"]').trigger('click');
    await settle();
    await dialog().get('[data-testid="delete-confirm"]').trigger('click');
    await settle();
    expect(studio.calls.filter((c) => c.method === 'runs:delete').map((c) => c.input)).toEqual([{ id: '20260601-090000-aaaaaa' }]);
    expect(ids(wrapper)).toEqual(['dddddd', 'cccccc', 'bbbbbb']);
    expect(double.records).toHaveLength(3);
    expect(dialog().element.open).toBe(false);
    expect(wrapper.get('[data-testid="toast"]').text()).toContain('The run of mlp on MNIST was deleted.');
  });

  it('says a training run cannot be deleted yet (BUSY), with what to do and a way to Train', async () => {
    const live: FakeRun = { id: '20260605-090000-eeeeee', createdAt: '2026-06-05T09:00:00.000Z', status: 'running', hyperparams: { epochs: 5 } };
    const { wrapper, double, router } = await openRuns({ runs: [...RUNS, live] });
    double.activeId = live.id;
    await row(wrapper, live.id).get('[data-testid="run-delete"]').trigger('click');
    await settle();
    await wrapper.get('[data-testid="delete-confirm"]').trigger('click');
    await settle();
    const error = wrapper.get('[data-testid="error"]');
    expect(error.attributes('data-code')).toBe('BUSY');
    expect(error.text()).toContain('The run could not be deleted');
    expect(error.text()).toContain('It is still training. Stop it on the Train screen, then delete it.');
    expect(error.get('[data-testid="error-detail"]').text()).toBe(`run ${live.id} is training; stop it first`);
    expect(ids(wrapper)).toContain('eeeeee');
    await error.get('[data-testid="busy-to-train"]').trigger('click');
    await settle();
    expect(router.currentRoute.value.path).toBe('/train');
  });

  it('exports a run’s metrics as CSV: a batch row per logged batch, an epoch row per epoch, fields quoted where needed', async () => {
    const folder: FakeRun = {
      id: '20260606-090000-ffffff',
      createdAt: '2026-06-06T09:00:00.000Z',
      datasetId: 'dir:/data/my "best", digits',
      hyperparams: { epochs: 1, batchSize: 500, logEvery: 1 },
    };
    const { wrapper } = await openRuns({ runs: [folder] });
    const files = collectDownloads();
    await row(wrapper, folder.id).get('[data-testid="run-csv"]').trigger('click');
    await settle();
    expect(files.map((f) => [f.name, f.type])).toEqual([[`mnist-studio-run-${folder.id}.csv`, 'text/csv;charset=utf-8']]);
    const lines = (await files[0]!.text()).split('\r\n');
    expect(lines[0]).toBe('run,dataset,model,kind,epoch,step,global_step,loss,accuracy,validation_loss,validation_accuracy,samples_per_sec,elapsed_ms');
    const who = `${folder.id},"dir:/data/my ""best"", digits",mlp`;
    expect(lines.slice(1)).toEqual([
      `${who},batch,1,1,1,${2.3 / 1.5},${1 - 0.9 / 1.5},,,5000,`,
      `${who},batch,1,2,2,${2.3 / 2},${1 - 0.9 / 2},,,5000,`,
      `${who},epoch,1,,,1,0.75,,,5000,1500`,
      '',
    ]);
  });

  it('overlays the loss and accuracy of the runs ticked, one colour each, and exports a chart as PNG', async () => {
    const { wrapper, studio } = await openRuns();
    expect(wrapper.get('[data-testid="compare-hint"]').text()).toBe('Tick up to 8 runs in the table to draw their curves on one chart.');
    const box = (id: string) => row(wrapper, id).get<HTMLInputElement>('[data-testid="compare"]');
    expect(box('20260601-090000-aaaaaa').attributes('aria-label')).toMatch(/^Compare mlp · MNIST · Jun 1, \d\d:00:00( [AP]M)?$/);
    await box('20260601-090000-aaaaaa').setValue(true);
    await box('20260602-090000-bbbbbb').setValue(true);
    await settle();
    expect(studio.calls.filter((c) => c.method === 'runs:get').map((c) => c.input)).toEqual([{ id: '20260601-090000-aaaaaa' }, { id: '20260602-090000-bbbbbb' }]);
    expect(wrapper.findAll('[data-testid="compare-runs"] li').map((li) => li.attributes('data-run'))).toEqual(['20260601-090000-aaaaaa', '20260602-090000-bbbbbb']);
    const [loss, accuracy] = wrapper.findAllComponents(LineChart);
    const lossSeries = loss!.props('series');
    // Each run's smoothed line over its raw losses, faint and out of the legend.
    expect(lossSeries.map((s) => [s.id, s.faint ?? false, s.hideInLegend ?? false])).toEqual([
      ['20260601-090000-aaaaaa', false, false],
      ['20260602-090000-bbbbbb', false, false],
      ['20260601-090000-aaaaaa:batch', true, true],
      ['20260602-090000-bbbbbb:batch', true, true],
    ]);
    // Against epochs: run a, recorded before every loss was kept, logged every 10 of its 16 steps an epoch, run b every 10 of 8 (none); 2 epochs each.
    expect(lossSeries[2]!.points).toEqual([
      { x: 10 / 16, y: 2.3 / (1 + 0.5 * 10) },
      { x: 1 + 10 / 16, y: 2.3 / (1 + 0.5 * 26) },
    ]);
    expect(lossSeries[0]!.points[0]!.y).toBeCloseTo(2.3 / 6, 10);
    expect(lossSeries[1]!.points).toEqual([]);
    // One colour each from the theme's palette (the chart reads the same custom property the swatch shows).
    const swatches = () => wrapper.findAll('[data-testid="compare-runs"] .swatch').map((s) => s.attributes('style'));
    expect(swatches()).toEqual(['background: var(--series-1);', 'background: var(--series-2);']);
    // Run b held out a validation split: its validation accuracy is a dashed line of the same colour, not in the legend.
    expect(accuracy!.props('series').map((s) => [s.id, s.dashed ?? false, s.hideInLegend ?? false, s.points.length])).toEqual([
      ['20260601-090000-aaaaaa', false, false, 2],
      ['20260602-090000-bbbbbb', false, false, 2],
      ['20260602-090000-bbbbbb:validation', true, true, 2],
    ]);
    expect(wrapper.get('[data-testid="loss-panel"] [role="img"]').attributes('aria-label')).toMatch(/^Training loss of mlp · MNIST · .+, cnn · Fashion-MNIST · .+ by epoch$/);

    const files = collectDownloads();
    await wrapper.get('[data-testid="loss-png"]').trigger('click');
    await settle();
    expect(files.map((f) => [f.name, f.type])).toEqual([['mnist-studio-loss.png', 'image/png']]);

    // Taking a run off keeps the other's colour; the next one ticked takes the free one.
    await box('20260601-090000-aaaaaa').setValue(false);
    await settle();
    expect(
      wrapper
        .findAllComponents(LineChart)[0]!
        .props('series')
        .map((s) => s.id),
    ).toEqual(['20260602-090000-bbbbbb', '20260602-090000-bbbbbb:batch']);
    expect(swatches()).toEqual(['background: var(--series-2);']);
    await box('20260604-090000-dddddd').setValue(true);
    await settle();
    expect(swatches()).toEqual(['background: var(--series-2);', 'background: var(--series-1);']);
    await wrapper.get('[data-testid="compare-clear"]').trigger('click');
    await settle();
    expect(wrapper.findAllComponents(LineChart)).toHaveLength(0);
    expect(wrapper.find('[data-testid="compare-hint"]').exists()).toBe(true);
  });

  it('compares every batch’s loss a record kept, smoothed, not only the logged batches', async () => {
    const { wrapper, double } = await openRuns();
    // Run b logs every 10 of its 8 batches an epoch (none), but its record kept all 16 losses, zigzagging down.
    const losses = Array.from({ length: 16 }, (_, i) => 2 / (1 + i) + (i % 2 === 0 ? 0.3 : -0.3));
    double.records.find((r) => r.id === '20260602-090000-bbbbbb')!.metrics.losses = { every: 1, values: losses, lastCount: 1 };
    await row(wrapper, '20260602-090000-bbbbbb').get('[data-testid="compare"]').setValue(true);
    await settle();
    const series = wrapper.findAllComponents(LineChart)[0]!.props('series');
    expect(series.map((s) => [s.id, s.points.length])).toEqual([
      ['20260602-090000-bbbbbb', 16],
      ['20260602-090000-bbbbbb:batch', 16],
    ]);
    expect(series[1]!.points[15]).toEqual({ x: 2, y: losses[15] });
    expect(series[1]!.label).toBe('cnn · Fashion-MNIST · ' + series[0]!.label.split(' · ').at(-1) + ' (each batch)');
    // Smoothed: far less of the raw zigzag (its total up-and-down) is left.
    const travel = (points: readonly { y: number }[]) => points.reduce((sum, p, i) => (i === 0 ? 0 : sum + Math.abs(p.y - points[i - 1]!.y)), 0);
    expect(travel(series[0]!.points)).toBeLessThan(travel(series[1]!.points) / 2);
  });

  it('moves between the rows’ boxes with the arrow keys, and stops at 8 runs on one chart', async () => {
    const many = Array.from({ length: MAX_COMPARED + 1 }, (_, i) => ({ id: `run-${i}`, createdAt: `2026-06-0${i + 1}T10:00:00.000Z` }));
    const { wrapper } = await openRuns({ runs: many });
    const boxes = () => wrapper.findAll<HTMLInputElement>('[data-testid="compare"]');
    (boxes()[0]!.element as HTMLElement).focus();
    await boxes()[0]!.trigger('keydown', { key: 'ArrowDown' });
    expect(document.activeElement).toBe(boxes()[1]!.element);
    await boxes()[1]!.trigger('keydown', { key: 'ArrowUp' });
    expect(document.activeElement).toBe(boxes()[0]!.element);
    await boxes()[0]!.trigger('keydown', { key: 'ArrowUp' });
    expect(document.activeElement).toBe(boxes()[0]!.element);
    for (const box of boxes().slice(0, MAX_COMPARED)) await box.setValue(true);
    await settle();
    const last = boxes()[MAX_COMPARED]!;
    expect(last.attributes('disabled')).toBeDefined();
    expect(last.attributes('title')).toBe('At most 8 runs fit on one chart.');
    await boxes()[0]!.setValue(false);
    expect(boxes()[MAX_COMPARED]!.attributes('disabled')).toBeUndefined();
  });

  it('follows the live run from the train stream: it appears, shows where it is, and ends with its accuracy', async () => {
    const { wrapper, double } = await openRuns();
    const id = '20260607-090000-777777';
    const running = fakeRun({ id, createdAt: '2026-06-07T09:00:00.000Z', status: 'running', hyperparams: { epochs: 4 } });
    double.put({ ...running, epochsDone: 0 });
    double.emit({
      kind: 'started',
      runId: id,
      dataset: running.dataset!,
      environment: {
        app: '0.1.0',
        node: '22',
        tfjsNode: '4.22.0',
        tfjsCore: '4.22.0',
        libtensorflow: '2.21.0',
        backend: 'tensorflow',
        cpu: 'x',
        cpuThreads: 2,
        intraOpThreads: 'default',
        intraOpThreadsFrom: 'auto',
        trainingPath: 'native',
        trainingPathReason: 'self-test passed',
        trainingPathCause: 'self-test-passed',
        platform: 'linux',
      },
      epochs: 4,
      stepsPerEpoch: 16,
      params: 109_386,
    });
    await vi.waitFor(() => expect(ids(wrapper)[0]).toBe('777777'), { timeout: 3000 });
    double.emit({ kind: 'progress', runId: id, epoch: 2, epochs: 4, step: 8, stepsPerEpoch: 16, samplesPerSec: 5000, etaMs: 4000 });
    await settle();
    expect(squash(row(wrapper, id).get('[data-testid="run-status"]'))).toBe('Running Epoch 2 of 4 · 38%');
    double.emit({ kind: 'activity', runId: id, activity: 'paused' });
    await settle();
    expect(squash(row(wrapper, id).get('[data-testid="run-status"]'))).toBe('Running Paused · epoch 2 of 4');

    const finished = fakeRun({ id, createdAt: '2026-06-07T09:00:00.000Z', accuracy: 0.925, hyperparams: { epochs: 4 } });
    double.put(finished);
    double.emit({ kind: 'done', runId: id, status: 'done', evaluation: finished.evaluation!, modelId: finished.modelId!, durationMs: 60_000, samplesPerSec: 5000 });
    await vi.waitFor(() => expect(squash(row(wrapper, id).get('[data-testid="run-accuracy"]'))).toBe('92.5%'), { timeout: 3000 });
    expect(squash(row(wrapper, id).get('[data-testid="run-status"]'))).toBe('Done');
  });

  it('reads in Chinese, with Chinese status and optimizer names', async () => {
    const { wrapper } = await openRuns({ language: 'zh-CN' });
    expect(wrapper.get('[data-testid="screen-title"]').text()).toBe('训练记录');
    expect(cells(row(wrapper, '20260602-090000-bbbbbb')).slice(2, 8)).toEqual(['Fashion-MNIST', 'cnn 预设 61,706 个参数', '2/2', '128', '0.01 SGD', '已完成']);
    expect(wrapper.get('[data-testid="runs-shown"]').text()).toBe('显示 4 / 4 条');
  });
});
