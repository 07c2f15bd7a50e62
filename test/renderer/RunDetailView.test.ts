import { afterEach, describe, expect, it, vi } from 'vitest';
import { StudioError } from '../../src/shared/result';
import { cleanUp, mountStudio, settle, StudioDouble, type Mounted } from './harness';
import { fakeRun, RunsDouble, type FakeRun } from './runs-double';
import LineChart from '../../src/renderer/src/components/charts/LineChart.vue';
import type { ChartSeries } from '../../src/renderer/src/components/charts/types';

let mounted: Mounted | null = null;

afterEach(() => {
  cleanUp(mounted);
  mounted = null;
});

const DONE: FakeRun = {
  id: '20260601-090000-aaaaaa',
  createdAt: '2026-06-01T09:00:00.000Z',
  accuracy: 0.9,
  durationMs: 95_000,
  hyperparams: { epochs: 3, batchSize: 50, learningRate: 0.002, validationSplit: 0.1, logEvery: 10 },
};
const FAILED: FakeRun = {
  id: '20260602-090000-bbbbbb',
  createdAt: '2026-06-02T09:00:00.000Z',
  status: 'failed',
  reason: 'loss became NaN at epoch 1, step 3: lower the learning rate',
};

async function open(path: string, language: 'en' | 'zh-CN' = 'en', shell: 'electron' | 'web' = 'electron') {
  const studio = new StudioDouble({ language });
  studio.info = { ...studio.info, shell };
  const double = new RunsDouble(studio, [DONE, FAILED].map(fakeRun));
  const record = double.records[0]!;
  record.environment = {
    app: '0.1.0',
    node: '20.20.2',
    tfjsNode: '4.22.0',
    tfjsCore: '4.22.0',
    libtensorflow: '2.21.0',
    backend: 'tensorflow',
    cpu: 'AMD EPYC 7B13',
    cpuThreads: 2,
    intraOpThreads: '1',
    intraOpThreadsFrom: 'auto',
    trainingPath: 'native',
    trainingPathReason: 'self-test passed',
    trainingPathCause: 'self-test-passed',
    platform: 'linux x64',
  };
  mounted = await mountStudio({ studio, path });
  return { wrapper: mounted.wrapper, router: mounted.router, double, studio };
}

/** The words of an element, its pieces joined by a space as a person reads them (cells and terms sit side by side with gaps, not spaces). */
function text(w: { element: Element }): string {
  const texts: string[] = [];
  const walker = document.createTreeWalker(w.element, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) texts.push(walker.currentNode.textContent ?? '');
  return texts
    .map((t) => t.trim())
    .filter(Boolean)
    .join(' ')
    .replace(/\s+/g, ' ');
}

describe('a run’s details', () => {
  it('chart every batch’s loss the record kept, smoothed as on the Train screen, with the epoch means and validation', async () => {
    const studio = new StudioDouble();
    const double = new RunsDouble(studio, [fakeRun(DONE)]);
    // 3 epochs of 20 batches, logged every 10: the record keeps all 60 losses, zigzagging down.
    const losses = Array.from({ length: 60 }, (_, i) => 2.3 / (1 + i / 10) + (i % 2 === 0 ? 0.2 : -0.2));
    double.records[0]!.metrics.losses = { every: 1, values: losses, lastCount: 1 };
    mounted = await mountStudio({ studio, path: `/runs/${DONE.id}` });
    await settle();
    const chart = mounted.wrapper.findAllComponents(LineChart).find((c) => c.attributes('data-testid') === 'run-loss-chart')!;
    const series = chart.props('series') as ChartSeries[];
    expect(series.map((s) => [s.id, s.label, s.points.length])).toEqual([
      ['smoothed', 'Smoothed', 60],
      ['epoch', 'Epoch mean', 3],
      ['validation', 'Validation', 3],
      ['batch', 'Each batch', 60],
    ]);
    expect(series[1]!.points.map((p) => p.x)).toEqual([20, 40, 60]);
    expect(series[3]!.points[59]).toEqual({ x: 60, y: losses[59] });
    expect(series[3]!.faint).toBe(true);
    expect(series[0]!.points[0]!.y).toBeCloseTo(losses[0]!, 10);
  });

  it('chart the logged batches of a run recorded before every loss was kept', async () => {
    const { wrapper } = await open(`/runs/${DONE.id}`);
    const chart = wrapper.findAllComponents(LineChart).find((c) => c.attributes('data-testid') === 'run-loss-chart')!;
    const series = chart.props('series') as ChartSeries[];
    expect(series.find((s) => s.id === 'batch')!.points.map((p) => p.x)).toEqual([10, 20, 30, 40, 50, 60]);
  });

  it('open from the Runs table by a click on the row, and by the keyboard through the link in its first cell', async () => {
    const { wrapper, router } = await open('/runs');
    const row = wrapper.get(`[data-testid="run-row"][data-run="${DONE.id}"]`);
    await row.find('td.dataset').trigger('click');
    await settle();
    expect(router.currentRoute.value.path).toBe(`/runs/${DONE.id}`);
    expect(wrapper.get('[data-testid="run-detail"]').attributes('data-run')).toBe(DONE.id);
    // The side bar still marks Runs.
    expect(wrapper.get('[data-testid="nav-runs"]').classes()).toContain('router-link-active');

    await router.push('/runs');
    await settle();
    const link = wrapper.get(`[data-testid="run-row"][data-run="${FAILED.id}"] [data-testid="run-open"]`);
    expect(link.element.tagName).toBe('A');
    expect(link.attributes('href')).toBe(`/runs/${FAILED.id}`);
    expect(link.attributes('aria-label')).toMatch(/^Details of mlp · MNIST · /);
    // A click on the row's own controls (compare) does not leave the table.
    await wrapper.get(`[data-testid="run-row"][data-run="${FAILED.id}"] [data-testid="compare"]`).trigger('click');
    await settle();
    expect(router.currentRoute.value.path).toBe('/runs');
  });

  it('show settings, model, environment, every epoch, the charts, per-class results, the saved model and the log', async () => {
    const { wrapper } = await open(`/runs/${DONE.id}`);
    const detail = wrapper.get('[data-testid="run-detail"]');
    expect(text(detail.get('[data-testid="detail-status"]'))).toBe('Done');
    expect(text(detail.get('[data-testid="detail-accuracy"]'))).toBe('90.00%');
    expect(text(detail.get('[data-testid="detail-duration"]'))).toBe('1 min 35 s');
    const settings = text(detail.get('[data-testid="detail-settings"]'));
    expect(settings).toContain('Batch size 50');
    expect(settings).toContain('Learning rate 0.002');
    expect(settings).toContain('Optimizer Adam');
    expect(settings).toContain('Validation split 10%');
    expect(settings).toContain('Epochs 3 of 3');
    expect(settings).toContain('Seed 7');
    const model = text(detail.get('[data-testid="detail-model"]'));
    expect(model).toContain('Flatten 784');
    expect(model).toContain('Dense 128');
    expect(model).toContain('109,386 parameters');
    const env = text(detail.get('[data-testid="detail-environment"]'));
    expect(env).toContain('Engine: native TensorFlow kernels, 1 thread');
    expect(env).toContain('AMD EPYC 7B13, 2 threads');
    expect(env).toContain('tfjs-node 4.22.0');
    expect(env).toContain('libtensorflow 2.21.0');
    const epochRows = detail.findAll('[data-testid="detail-epochs"] tbody tr').map(text);
    expect(epochRows).toEqual(['1 1.0000 75.00% 1.1000 72.50% 2 s', '2 0.6667 83.33% 0.7333 81.67% 2 s', '3 0.5000 87.50% 0.5500 86.25% 2 s']);
    expect(detail.findAll('canvas').length).toBe(2);
    expect(detail.find('[data-testid="class-metrics"]').exists()).toBe(true);
    expect(detail.find('[data-testid="confusion-matrix"]').exists()).toBe(true);
    expect(detail.get('[data-testid="detail-model-id"]').text()).toBe(`${DONE.id}-model`);
    expect(detail.get('[data-testid="detail-to-playground"]').attributes('href')).toBe(`/playground?model=${DONE.id}-model`);
    const log = detail.findAll('[data-testid="run-log"] li').map(text);
    expect(log[0]).toBe('Data set MNIST: 1,000 training, 0 validation and 200 test images; 109,386 parameters.');
    expect(log).toContain('Epoch [1/3], Step [10/20], Loss: 0.2091');
    expect(log.filter((l) => l.startsWith('Epoch 3/3 finished in 2 s: loss 0.5000, accuracy 87.50%; validation loss 0.5500'))).toHaveLength(1);
    // Epoch lines follow their epoch's last batch.
    expect(log.findIndex((l) => l.startsWith('Epoch 1/3 finished'))).toBe(log.indexOf('Epoch [1/3], Step [20/20], Loss: 0.1095') + 1);
    expect(log.at(-1)).toBe('Test accuracy: 90.00% (loss 0.3500). The model is saved.');
  });

  it('offer the run as a PyTorch or Keras script: through main’s save dialog, or downloaded in a browser; a failure says why', async () => {
    const { wrapper, studio } = await open(`/runs/${DONE.id}`);
    studio.respond('models:saveAs', ({ format }) => ({ saved: format === 'pytorch' ? 'mlp-pytorch.py' : 'mlp-keras.py' }));
    const code = wrapper.get('[data-testid="detail-code"]');
    expect(text(code)).toContain('PyTorch script (.py) Keras script (.py)');
    expect(text(code)).toContain('This run as a Python script that builds the network and trains it with these settings.');
    await code.get('[data-testid="detail-code-pytorch"]').trigger('click');
    await settle();
    const model = `${DONE.id}-model`;
    expect(studio.inputs('models:saveAs')).toEqual([{ id: model, format: 'pytorch', title: 'Export the model', filterName: 'PyTorch script (.py)' }]);
    expect(wrapper.get('[data-testid="toast"]').text()).toContain('as mlp-pytorch.py.');
    studio.respond('models:saveAs', () => {
      throw new StudioError('NOT_FOUND', `no model ${model}`, 'id');
    });
    await code.get('[data-testid="detail-code-keras-code"]').trigger('click');
    await settle();
    expect(studio.inputs('models:saveAs').at(-1)).toMatchObject({ format: 'keras-code', filterName: 'Keras script (.py)' });
    expect(wrapper.get('[data-testid="detail-code-error"]').text()).toContain('The model could not be exported');
    expect(wrapper.get('[data-testid="error-detail"]').text()).toBe(`no model ${model}`);
  });

  it('download the run as a PyTorch script in a browser, with Chinese labels', async () => {
    const { wrapper, studio } = await open(`/runs/${DONE.id}`, 'zh-CN', 'web');
    studio.respond('models:download', ({ format }) => ({ format, fileName: 'mlp-pytorch.py', data: new TextEncoder().encode('import torch\n') }));
    const files: string[] = [];
    const onClick = (event: Event) => {
      const a = event.target;
      if (a instanceof HTMLAnchorElement && a.download) files.push(a.download);
    };
    document.addEventListener('click', onClick);
    try {
      const code = wrapper.get('[data-testid="detail-code"]');
      expect(text(code)).toContain('PyTorch 脚本（.py） Keras 脚本（.py）');
      await code.get('[data-testid="detail-code-pytorch"]').trigger('click');
      await settle();
      expect(studio.inputs('models:download')).toEqual([{ id: `${DONE.id}-model`, format: 'pytorch' }]);
      expect(files).toEqual(['mlp-pytorch.py']);
      expect(studio.inputs('models:saveAs')).toEqual([]);
    } finally {
      document.removeEventListener('click', onClick);
    }
  });

  it('offer no script for a run that saved no model', async () => {
    const { wrapper } = await open(`/runs/${FAILED.id}`);
    expect(wrapper.find('[data-testid="detail-code"]').exists()).toBe(false);
  });

  it('say why a failed run failed, in Chinese too, and name a run that is not there', async () => {
    const { wrapper, router } = await open(`/runs/${FAILED.id}`, 'zh-CN');
    expect(text(wrapper.get('[data-testid="detail-status"]'))).toBe('失败');
    expect(wrapper.get('[data-testid="detail-reason"]').text()).toBe(FAILED.reason);
    expect(text(wrapper.get('[data-testid="run-detail"]'))).toContain('这次训练没有记录运行环境');
    await router.push('/runs/20260101-000000-gone00');
    await settle();
    expect(wrapper.get('[data-testid="error"]').attributes('data-code')).toBe('NOT_FOUND');
    expect(text(wrapper.get('[data-testid="error"]'))).toContain('没有编号为 20260101-000000-gone00 的训练');
  });

  it('redraw the histograms’ epoch labels in the language the user switches to', async () => {
    const studio = new StudioDouble({ language: 'zh-CN' });
    new RunsDouble(studio, [fakeRun(DONE)]);
    const hist = (min: number) => ({ min, max: min + 1, counts: [1, 3, 1] });
    studio.respond('runs:histograms', async () => ({
      histograms: {
        formatVersion: 1,
        bins: 3,
        gradientRows: 64,
        series: [{ name: 'dense_Dense1/kernel', layerIndex: 1, shape: [784, 128] }],
        epochs: [0, 1].map((epoch) => ({ epoch, weights: [hist(-1)], gradients: [hist(-0.1)], costMs: 1 })),
      },
    }));
    mounted = await mountStudio({ studio, path: `/runs/${DONE.id}` });
    await settle();
    const canvas = mounted.wrapper.get('[data-testid="histograms"] canvas').element as HTMLCanvasElement;
    // vitest-canvas-mock keeps what was drawn.
    const ctx = canvas.getContext('2d') as CanvasRenderingContext2D & { __getEvents(): { type: string; props: { text?: string } }[]; __clearEvents(): void };
    const labels = () => ctx.__getEvents().flatMap((e) => (e.type === 'fillText' && e.props.text ? [e.props.text] : []));
    await vi.waitFor(() => expect(labels()).toContain('第 1 轮'));
    ctx.__clearEvents();
    studio.emit('settings', { kind: 'changed', settings: { ...studio.settings, language: 'en' } });
    await settle();
    await vi.waitFor(() => expect(labels()).toEqual(expect.arrayContaining(['epoch 0', 'epoch 1'])));
    expect(labels().some((l) => l.includes('轮'))).toBe(false);
  });
});
