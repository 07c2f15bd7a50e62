import { afterEach, describe, expect, it } from 'vitest';
import type { DOMWrapper } from '@vue/test-utils';
import type { DatasetSummary } from '../../src/shared/datasets';
import { presetSpec } from '../../src/shared/model-spec';
import { StudioError } from '../../src/shared/result';
import type { Settings } from '../../src/shared/settings';
import type { TrainStatus } from '../../src/shared/training';
import { SAVE_DELAY_MS } from '../../src/renderer/src/stores/train-setup';
import { cleanUp, collectDownloads, mountStudio, settle, StudioDouble, type Mounted } from './harness';
import { batches, datasetSummary, done, epochEvent, progress, RUN, runRecord, started } from './training-fixtures';
import LineChart from '../../src/renderer/src/components/charts/LineChart.vue';
import type { ChartSeries } from '../../src/renderer/src/components/charts/types';

let mounted: Mounted | null = null;

afterEach(() => {
  cleanUp(mounted);
  mounted = null;
});

const status = (state: TrainStatus['state']): TrainStatus => ({ runId: RUN, state, epoch: 1, epochs: 2, step: 4, stepsPerEpoch: 10 });

/** A studio double that also lists data sets and answers the training calls as the engine does (one run, its id at once). */
function engine(
  datasets: DatasetSummary[] = [datasetSummary('mnist'), datasetSummary('fashion-mnist'), datasetSummary('half', 'partial')],
  settings: Partial<Settings> = {},
): StudioDouble {
  return new StudioDouble(settings)
    .respond('datasets:list', () => datasets)
    .respond('train:start', () => ({ runId: RUN }))
    .respond('train:pause', () => status('running'))
    .respond('train:resume', () => status('paused'))
    .respond('train:stop', () => status('stopping'));
}

async function openTrain(studio = engine()): Promise<Mounted> {
  mounted = await mountStudio({ studio, path: '/train' });
  return mounted;
}

const get = (m: Mounted, id: string) => m.wrapper.get(`[data-testid="${id}"]`);
const field = (m: Mounted, name: string) => get(m, `hp-${name}`) as DOMWrapper<HTMLInputElement>;
/** Charts draw at most ten times a second. */
const drawn = () => new Promise((resolve) => setTimeout(resolve, 150));

describe('the Train screen', () => {
  it('offers the ready data sets, the model from the Model screen and the seed’s hyperparameters with their ranges', async () => {
    const m = await openTrain(engine(undefined, { lastDatasetId: 'fashion-mnist' }));
    const options = get(m, 'dataset').findAll('option');
    // One display name per data set (issue 15, item 4), whatever name the summary carries; the name alone, since the
    // narrow column clipped "Fashion-MNIST · 60,000 training i" (item 8): the counts are in the note under the select.
    expect(options.map((o) => o.text())).toEqual(['MNIST', 'Fashion-MNIST']);
    expect((get(m, 'dataset').element as HTMLSelectElement).value).toBe('fashion-mnist');
    expect(get(m, 'dataset-counts').text()).toBe('60,000 training images; 10,000 test images measure the trained network.');
    expect(get(m, 'train-model').text()).toContain('The tutorial’s MLP');
    expect(get(m, 'train-model').text()).toContain('109,386 parameters');
    expect(field(m, 'epochs').element.value).toBe('5');
    expect(m.wrapper.get('#hp-epochs-note').text()).toBe('1 to 1,000 · default 5');
    expect(m.wrapper.get('#hp-learningRate-note').text()).toBe('above 0, up to 10 · default 0.001');
    expect(field(m, 'limit').attributes('placeholder')).toBe('All');
    expect(get(m, 'start').attributes('disabled')).toBeUndefined();
    expect(m.wrapper.find('[data-testid="start-blocker"]').exists()).toBe(false);
    expect(get(m, 'run-phase').text()).toBe('Not started');

    // Choosing a data set remembers it.
    await get(m, 'dataset').setValue('mnist');
    await settle();
    expect(m.studio?.settings.lastDatasetId).toBe('mnist');
  });

  it('with no ready data set, says so, links to Data, and keeps Start off', async () => {
    const m = await openTrain(engine([datasetSummary('mnist', 'partial')]));
    expect(get(m, 'no-dataset').text()).toContain('No data set is ready yet.');
    expect(get(m, 'no-dataset').get('a').attributes('href')).toBe('/data');
    expect(get(m, 'start').attributes('disabled')).toBeDefined();
    expect(get(m, 'start-blocker').text()).toBe('Choose a data set to train on first.');
    expect(get(m, 'start').attributes('aria-describedby')).toBe('start-blocker');
  });

  it('checks each hyperparameter as typed, beside it, and keeps valid ones in the settings', async () => {
    const m = await openTrain();
    await field(m, 'batchSize').setValue('0');
    await field(m, 'learningRate').setValue('0');
    await settle();
    expect(get(m, 'hp-batchSize-error').text()).toBe('Enter a whole number from 1 to 8,192.');
    expect(get(m, 'hp-learningRate-error').text()).toBe('Enter a number above 0 and at most 10.');
    expect(field(m, 'batchSize').attributes('aria-invalid')).toBe('true');
    expect(field(m, 'batchSize').attributes('aria-describedby')).toBe('hp-batchSize-note');
    expect(get(m, 'start').attributes('disabled')).toBeDefined();
    expect(get(m, 'start-blocker').text()).toBe('Fix the hyperparameters marked in red first.');

    await field(m, 'batchSize').setValue('128');
    await field(m, 'learningRate').setValue('0.01');
    await field(m, 'seed').setValue('42');
    await get(m, 'hp-optimizer').setValue('momentum');
    await settle();
    expect(m.wrapper.find('[data-testid="hp-batchSize-error"]').exists()).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, SAVE_DELAY_MS + 50));
    expect(m.studio?.settings.lastHyperparams).toEqual({
      epochs: 5,
      batchSize: 128,
      learningRate: 0.01,
      optimizer: 'momentum',
      loss: 'cross-entropy',
      validationSplit: 0,
      seed: 42,
      logEvery: 100,
    });

    // The tutorial's settings come back with one click.
    await get(m, 'hp-reset').trigger('click');
    await settle();
    expect(field(m, 'batchSize').element.value).toBe('64');
    expect(field(m, 'seed').element.value).toBe('');
  });

  it('starts from the remembered hyperparameters, and refuses to start with a network the Model screen marks as broken', async () => {
    const m = await openTrain(engine(undefined, { lastHyperparams: { epochs: 12, limit: 500 }, lastModelSpec: { name: 'bad', layers: [{ type: 'dense', units: 10 }] } }));
    expect(field(m, 'epochs').element.value).toBe('12');
    expect(field(m, 'limit').element.value).toBe('500');
    // The stored network fails the shape check, so the Model screen starts from the seed's: trainable.
    expect(get(m, 'train-model').text()).toContain('The tutorial’s MLP');
    await m.router.push('/model');
    await settle();
    await m.wrapper.get('[data-testid="layer-1"] input[data-field="units"]').setValue('0');
    await m.router.push('/train');
    await settle();
    // Edited, the preset became the user's own network, named as such.
    expect(get(m, 'train-model').get('strong').text()).toBe('custom');
    expect(get(m, 'model-invalid').text()).toBe('This network cannot be trained yet: the Model screen shows what to fix.');
    expect(get(m, 'start-blocker').text()).toBe('The network on the Model screen has problems to fix first.');
    expect(get(m, 'start').attributes('disabled')).toBeDefined();
  });

  it('trains: sends what is on screen, then shows progress, the live charts and the log, pauses, resumes, stops, and ends with the test accuracy and a link to its evaluation', async () => {
    const m = await openTrain();
    const studio = m.studio!;
    await field(m, 'epochs').setValue('2');
    await field(m, 'logEvery').setValue('1');
    await settle();
    await get(m, 'start').trigger('click');
    await settle();
    expect(studio.inputs('train:start')).toEqual([
      {
        dataset: { id: 'mnist' },
        model: presetSpec('mlp'),
        hyperparams: {
          epochs: 2,
          batchSize: 64,
          learningRate: 0.001,
          optimizer: 'adam',
          loss: 'cross-entropy',
          validationSplit: 0,
          logEvery: 1,
          normalization: { mean: 0.1307, std: 0.3081 },
        },
      },
    ]);
    expect(get(m, 'run-phase').text()).toBe('Starting');
    // The form is locked while it trains (its fieldset is disabled).
    expect(get(m, 'hyperparams').attributes('disabled')).toBeDefined();

    studio.emit('train', started());
    studio.emit('train', progress(1, 4));
    studio.emit('train', batches([1, 2, 3, 4]));
    await settle();
    await drawn();
    expect(get(m, 'run-phase').text()).toBe('Training');
    expect(m.wrapper.text()).toContain('The tutorial’s MLP on MNIST');
    expect(get(m, 'run-where').text()).toBe('Epoch 1 of 2 · step 4 of 10');
    expect(get(m, 'progress-bar').attributes('aria-valuenow')).toBe('20');
    expect(get(m, 'samples-per-sec').text()).toBe('5,123 images/s');
    expect(get(m, 'eta').text()).toBe('1 min 15 s');
    expect(get(m, 'last-loss').text()).toBe('0.5000');
    // Each batch's loss and its smoothed line.
    expect(get(m, 'loss-chart').attributes('data-points')).toBe('8');
    expect(get(m, 'loss-chart').attributes('aria-label')).toBe('Training loss. Latest loss 0.5000 at step 4.');
    expect(get(m, 'progress-spoken').text()).toBe('Training: epoch 1 of 2');
    // The live loss chart saves as a PNG named after the run; the accuracy chart has nothing to save yet.
    expect(m.wrapper.find('[data-testid="train-accuracy-png"]').exists()).toBe(false);
    const files = collectDownloads();
    await get(m, 'train-loss-png').trigger('click');
    await settle();
    expect(files.map((f) => [f.name, f.type])).toEqual([[`mnist-studio-${RUN}-loss.png`, 'image/png']]);
    expect(get(m, 'train-loss-png').attributes('aria-label')).toBe('Save the Training loss chart as PNG');
    // Which engine trains, on how many threads, and why.
    expect(get(m, 'run-engine-value').text()).toBe('Engine: native TensorFlow kernels, 1 thread');
    expect(get(m, 'run-engine').text()).toBe('Engine: native TensorFlow kernels, 1 thread (it matched tfjs-layers in the start-up check)');
    expect(get(m, 'run-engine').find('.icon').exists()).toBe(false);
    const log = get(m, 'run-log')
      .findAll('li')
      .map((li) => li.text());
    expect(log[0]).toBe('Data set MNIST: 640 training, 0 validation and 10,000 test images; 109,386 parameters.');
    expect(log[4]).toBe('Epoch [1/2], Step [4/10], Loss: 0.5000');

    studio.emit('train', epochEvent(1));
    await settle();
    await drawn();
    expect(get(m, 'accuracy-chart').attributes('data-points')).toBe('1');
    await get(m, 'train-accuracy-png').trigger('click');
    await settle();
    expect(files.map((f) => f.name)).toEqual([`mnist-studio-${RUN}-loss.png`, `mnist-studio-${RUN}-accuracy.png`]);
    expect(get(m, 'run-log').text()).toContain('Epoch 1/2 finished in 2 s: loss 1.0000, accuracy 81.00%');

    await get(m, 'pause').trigger('click');
    await settle();
    expect(studio.inputs('train:pause')).toEqual([{ runId: RUN }]);
    studio.emit('train', { kind: 'activity', runId: RUN, activity: 'paused' });
    await settle();
    expect(get(m, 'run-phase').text()).toBe('Paused');
    await get(m, 'resume').trigger('click');
    await settle();
    expect(studio.inputs('train:resume')).toEqual([{ runId: RUN }]);
    studio.emit('train', { kind: 'activity', runId: RUN, activity: 'running' });
    await settle();

    await get(m, 'stop').trigger('click');
    await settle();
    expect(studio.inputs('train:stop')).toEqual([{ runId: RUN }]);
    expect(get(m, 'run-phase').text()).toBe('Stopping');
    expect(get(m, 'stop').attributes('disabled')).toBeDefined();
    studio.emit('train', { kind: 'activity', runId: RUN, activity: 'evaluating' });
    studio.emit('train', done(RUN, 'stopped'));
    await settle();
    expect(get(m, 'run-phase').text()).toBe('Stopped early');
    expect(get(m, 'test-accuracy').text()).toBe('97.12%');
    expect(get(m, 'run-result').text()).toContain('Test accuracy (stopped early)');
    expect(get(m, 'to-evaluation').attributes('href')).toBe(`/evaluate?run=${RUN}`);
    expect(get(m, 'run-log').text()).toContain('Stopped early. Test accuracy: 97.12% (loss 0.0934). The model is saved as it was.');
    // Start again is possible, and the form is open again.
    expect(get(m, 'start').attributes('disabled')).toBeUndefined();
    expect(get(m, 'hyperparams').attributes('disabled')).toBeUndefined();
    // No toast on the Train screen: the result card says it, and a toast covered the charts (issue 15, item 8);
    // another screen gets one (the next test).
    expect(m.wrapper.find('[data-testid="toast"]').exists()).toBe(false);
  });

  it('keeps training while the user is on another screen: events still arrive, and the screen shows them on return', async () => {
    const m = await openTrain();
    await get(m, 'start').trigger('click');
    await settle();
    m.studio!.emit('train', started());
    await m.router.push('/runs');
    await settle();
    m.studio!.emit('train', progress(2, 5));
    m.studio!.emit('train', batches([1, 2, 3]));
    m.studio!.emit('train', done());
    await settle();
    expect(m.wrapper.get('[data-testid="toast"]').text()).toContain('Training finished');
    await m.router.push('/train');
    await settle();
    await drawn();
    expect(get(m, 'run-phase').text()).toBe('Finished');
    expect(get(m, 'loss-chart').attributes('data-points')).toBe('6');
    expect(get(m, 'progress-bar').attributes('aria-valuenow')).toBe('100');
    expect(get(m, 'test-accuracy').text()).toBe('97.12%');
  });

  it('charts every batch’s loss with a smoothed line over it, the epoch means and the validation loss; the smoothing slider sets the weight', async () => {
    const m = await openTrain();
    await get(m, 'start').trigger('click');
    await settle();
    const studio = m.studio!;
    studio.emit('train', started(RUN, 2, 125));
    // Logged every 100 batches, but the event carries all 125 losses of the epoch: they fall from 2.3 with noise.
    const losses = Array.from({ length: 125 }, (_, i) => 2.3 / (1 + i / 10) + (i % 2 === 0 ? 0.2 : -0.2));
    studio.emit('train', { ...batches([100], RUN, 2, 125), losses: { from: 1, values: losses } });
    studio.emit('train', { ...epochEvent(1, RUN, 2, 0.9), trainLoss: 0.4, validationLoss: 0.35 });
    await settle();
    await drawn();
    const chart = m.wrapper.findAllComponents(LineChart).find((c) => c.attributes('data-testid') === 'loss-chart')!;
    const series = () => chart.props('series') as ChartSeries[];
    expect(series().map((s) => [s.id, s.label, s.points.length])).toEqual([
      ['smoothed', 'Smoothed', 125],
      ['epoch', 'Epoch mean', 1],
      ['validation', 'Validation', 1],
      ['batch', 'Each batch', 125],
    ]);
    expect(series()[1]!.points).toEqual([{ x: 125, y: 0.4 }]);
    expect(series()[2]!.points).toEqual([{ x: 125, y: 0.35 }]);
    expect(series()[3]!.points[124]).toEqual({ x: 125, y: losses[124] });
    const smoothed = series()[0]!.points;
    // Debiased: the first smoothed point is the first loss itself, and the line falls without the raw zigzag.
    expect(smoothed[0]!.y).toBeCloseTo(losses[0]!, 10);
    expect(smoothed.every((p, i) => i < 10 || p.y < smoothed[i - 10]!.y)).toBe(true);
    expect(get(m, 'loss-chart').attributes('aria-label')).toContain('at step 125');

    await get(m, 'loss-smoothing').setValue('0');
    await settle();
    expect(series().map((s) => s.id)).toEqual(['epoch', 'validation', 'batch']);
    expect(series().at(-1)!.faint).toBe(false);
  });

  it('a window opened during a run shows it where it is (train:status, then the run’s record)', async () => {
    const studio = engine()
      .respond('train:status', () => status('paused'))
      .respond('runs:get', () => runRecord([1, 2, 3, 4, 5, 6], [1]));
    const m = await openTrain(studio);
    await drawn();
    expect(get(m, 'run-phase').text()).toBe('Paused');
    expect(m.wrapper.find('[data-testid="resume"]').exists()).toBe(true);
    // A record from before every batch's loss was kept: its 6 logged losses, smoothed, and the epoch's mean.
    expect(get(m, 'loss-chart').attributes('data-points')).toBe('13');
    expect(get(m, 'accuracy-chart').attributes('data-points')).toBe('1');
    expect(get(m, 'run-where').text()).toBe('Epoch 1 of 2 · step 4 of 10');
    expect(get(m, 'run-log').findAll('li')).toHaveLength(8);
    // The engine comes from the record's environment too.
    expect(get(m, 'run-engine-value').text()).toBe('Engine: native TensorFlow kernels, 1 thread');
  });

  it('says when a run fell back to tfjs-layers, and why, in either language; TensorFlow’s default threads are the CPU’s', { timeout: 30_000 }, async () => {
    for (const [language, value, cause] of [
      ['en', 'Engine: tfjs-layers, 2 threads', '(fallback: the native kernels are missing an operation in this TensorFlow build)'],
      ['zh-CN', '引擎：tfjs-layers，2 个线程', '（已回退：当前 TensorFlow 版本缺少原生内核所需的运算）'],
    ] as const) {
      const m = await openTrain(engine(undefined, { language }));
      await get(m, 'start').trigger('click');
      await settle();
      m.studio!.emit(
        'train',
        started(RUN, 2, 10, {
          trainingPath: 'layers',
          trainingPathCause: 'native-unavailable',
          trainingPathReason: "the native path could not run here ('ResourceApplyAdam' is missing); training on the tfjs-layers path instead",
          intraOpThreads: '2',
          intraOpThreadsFrom: 'environment',
        }),
      );
      await settle();
      expect(get(m, 'run-engine-value').text()).toBe(value);
      expect(get(m, 'run-engine-cause').text()).toBe(cause);
      expect(get(m, 'run-engine').find('.icon').exists()).toBe(true);
      // The engine's English details stay out of the screen (the run's record and the CLI have them).
      expect(get(m, 'run-engine').text()).not.toContain('ResourceApplyAdam');
      cleanUp(mounted);
      mounted = null;
    }
    const m = await openTrain();
    await get(m, 'start').trigger('click');
    await settle();
    m.studio!.emit('train', started(RUN, 2, 10, { trainingPath: 'layers', trainingPathCause: 'asked', intraOpThreads: 'default', cpuThreads: 8 }));
    await settle();
    expect(get(m, 'run-engine-value').text()).toBe('Engine: tfjs-layers, 8 threads');
    expect(get(m, 'run-engine-cause').text()).toBe('(as the run’s settings ask)');
  });

  it('says why a start was refused, in the user’s language, with the engine’s own words', async () => {
    const studio = engine().respond('train:start', () => {
      throw new StudioError('BUSY', 'a run is already training (other-run); stop it or wait for it to finish');
    });
    const m = await openTrain(studio);
    await get(m, 'start').trigger('click');
    await settle();
    const error = get(m, 'train-error');
    expect(error.attributes('role')).toBe('alert');
    expect(error.text()).toContain('Training could not start');
    expect(error.text()).toContain('Another run is training already (perhaps from another window). Stop it, or wait for it to finish.');
    expect(error.get('code').text()).toBe('a run is already training (other-run); stop it or wait for it to finish');
    expect(get(m, 'run-phase').text()).toBe('Not started');

    await studio.client.settings.update({ language: 'zh-CN' });
    await settle();
    expect(get(m, 'train-error').text()).toContain('无法开始训练');
    expect(get(m, 'train-error').text()).toContain('已经有另一次训练在进行');
    await get(m, 'train-error').get('button').trigger('click');
    await settle();
    expect(m.wrapper.find('[data-testid="train-error"]').exists()).toBe(false);
  });

  it('an error code without its own words here says the general one', async () => {
    const studio = engine().respond('train:start', () => {
      throw new StudioError('NATIVE', 'libtensorflow.so.2: cannot open shared object file');
    });
    const m = await openTrain(studio);
    await get(m, 'start').trigger('click');
    await settle();
    expect(get(m, 'train-error').text()).toContain('Native TensorFlow failed or is missing.');
    expect(get(m, 'train-error').get('code').text()).toBe('libtensorflow.so.2: cannot open shared object file');
  });

  it('a failed run says so, with the engine’s reason, on the screen (no toast over it there; one on other screens)', async () => {
    const m = await openTrain();
    await get(m, 'start').trigger('click');
    await settle();
    m.studio!.emit('train', started());
    m.studio!.emit('train', {
      kind: 'failed',
      runId: RUN,
      reason: 'the loss became NaN at epoch 1, step 3: training diverged; lower the learning rate (now 10) or change the network',
    });
    await settle();
    expect(get(m, 'run-phase').text()).toBe('Failed');
    const failed = get(m, 'run-failed');
    expect(failed.text()).toContain('Training failed');
    expect(failed.text()).toContain('The run ended early and no model was saved.');
    expect(failed.get('code').text()).toBe('the loss became NaN at epoch 1, step 3: training diverged; lower the learning rate (now 10) or change the network');
    expect(m.wrapper.find('[data-testid="toast"]').exists()).toBe(false);
    expect(m.wrapper.find('[data-testid="run-result"]').exists()).toBe(false);
    // The same failure while the user is elsewhere comes as an error toast.
    await get(m, 'start').trigger('click');
    await settle();
    m.studio!.emit('train', started());
    await m.router.push('/runs');
    await settle();
    m.studio!.emit('train', { kind: 'failed', runId: RUN, reason: 'diverged' });
    await settle();
    expect(m.wrapper.get('[data-testid="toast"]').attributes('data-level')).toBe('error');
  });

  it('in Chinese', async () => {
    const m = await openTrain(engine(undefined, { language: 'zh-CN' }));
    await get(m, 'start').trigger('click');
    await settle();
    m.studio!.emit('train', started());
    m.studio!.emit('train', progress(1, 4));
    m.studio!.emit('train', batches([1, 2, 3, 4]));
    await settle();
    expect(get(m, 'run-phase').text()).toBe('训练中');
    expect(get(m, 'run-where').text()).toBe('第 1/2 轮 · 第 4/10 步');
    expect(get(m, 'samples-per-sec').text()).toBe('5,123 张/秒');
    expect(get(m, 'run-log').findAll('li').at(-1)?.text()).toBe('第 [1/2] 轮，第 [4/10] 步，损失：0.5000');
    expect(get(m, 'run-engine').text()).toBe('引擎：原生 TensorFlow 内核，1 个线程（启动检查中与 tfjs-layers 结果一致）');
    expect(m.wrapper.get('#hp-epochs-note').text()).toBe('1 到 1,000 · 默认 5');
  });
});

describe('fine-tuning from the Models screen', { timeout: 20_000 }, () => {
  const details = {
    id: 'm1',
    name: 'My digits',
    architecture: 'flatten → dense 128 relu → dense 64 relu → dense 10',
    specName: 'mlp',
    params: 109_386,
    datasetId: 'fashion-mnist',
    datasetName: 'Fashion-MNIST',
    classNames: null,
    testAccuracy: 0.88,
    createdAt: '2026-06-02T09:00:00.000Z',
    runId: 'run-0',
    parentModelId: null,
    source: 'trained' as const,
    stoppedEarly: false,
    bytes: 440_000,
    personalAccuracy: [],
  };

  it('shows the saved model instead of the Model screen’s network, picks its data set and starts with fromModel', async () => {
    const studio = engine().respond('models:get', () => ({ ...details, metadata: { spec: presetSpec('mlp') } as never, summary: {} as never }));
    mounted = await mountStudio({ studio, path: '/train?fromModel=m1' });
    await settle();
    const m = mounted;
    expect(get(m, 'finetune-name').text()).toBe('Fine-tuning My digits');
    expect(m.wrapper.find('[data-testid="train-model"]').exists()).toBe(false);
    expect((get(m, 'dataset').element as HTMLSelectElement).value).toBe('fashion-mnist');
    expect(get(m, 'train-scratch').attributes('href')).toBe('/train');
    await get(m, 'start').trigger('click');
    await settle();
    expect(studio.inputs('train:start')).toEqual([expect.objectContaining({ dataset: { id: 'fashion-mnist' }, fromModel: 'm1', model: presetSpec('mlp') })]);
  });

  it('says the model to fine-tune could not be read, translated, and keeps Start off', async () => {
    const studio = engine(undefined, { language: 'zh-CN' }).respond('models:get', () => {
      throw new StudioError('NOT_FOUND', 'no model m1 in /home/ada/models', 'id');
    });
    mounted = await mountStudio({ studio, path: '/train?fromModel=m1' });
    await settle();
    expect(get(mounted, 'train-finetune').text()).toContain('无法读取要微调的模型');
    expect(get(mounted, 'start').attributes('disabled')).toBeDefined();
    expect(get(mounted, 'start-blocker').text()).toBe('无法读取要微调的模型。');
    expect(studio.inputs('train:start')).toEqual([]);
  });
});

describe('fine-tuning on your own digits: mixing a personal set in', { timeout: 30_000 }, () => {
  const hand: DatasetSummary = { ...datasetSummary('hand', 'ready', 30), name: 'My hand', personal: true };
  const mixOutcome = {
    datasetId: 'hand',
    name: 'My hand',
    digests: {},
    trainCount: 21,
    holdoutCount: 9,
    holdoutRows: [0, 4, 7, 11, 15, 18, 22, 25, 29],
    rowsPerBatch: 26,
    before: { holdoutAccuracy: 0.7111, testAccuracy: 0.979 },
    after: { holdoutAccuracy: 0.9333, testAccuracy: 0.977 },
  };

  it('picks a personal set, a share and a hold-out, checks them as typed, keeps them in the settings and starts with them; the result shows both accuracies, before and after', async () => {
    const m = await openTrain(engine([datasetSummary('mnist'), hand]));
    const studio = m.studio!;
    await settle();
    // Off at first: only the switch and what it does.
    expect(m.wrapper.find('[data-testid="mix-dataset"]').exists()).toBe(false);
    expect(get(m, 'train-mix').text()).toContain('Mix in a personal set');
    await get(m, 'mix-on').setValue(true);
    await settle();
    expect((get(m, 'mix-dataset').element as HTMLSelectElement).value).toBe('hand');
    expect(get(m, 'mix-dataset').text()).toBe('My hand · 30 digits');
    expect([get(m, 'mix-per-batch').text(), get(m, 'mix-held-out').text()]).toEqual(['16 of every 64 images in a batch come from it.', 'About 9 of its 30 digits are held out.']);

    const share = get(m, 'mix-share') as DOMWrapper<HTMLInputElement>;
    await share.setValue('1.5');
    await settle();
    expect(get(m, 'mix-share-error').text()).toMatch(/^The share of each batch is a number above 0 and below 1/);
    expect(share.attributes('aria-invalid')).toBe('true');
    expect(get(m, 'start').attributes('disabled')).toBeDefined();
    await share.setValue('0.4');
    await (get(m, 'mix-holdout') as DOMWrapper<HTMLInputElement>).setValue('1');
    await settle();
    expect(m.wrapper.find('[data-testid="mix-holdout-error"]').exists()).toBe(true);
    await (get(m, 'mix-holdout') as DOMWrapper<HTMLInputElement>).setValue('0.3');
    await settle();
    expect(m.wrapper.find('[data-testid="mix-share-error"]').exists()).toBe(false);
    expect(get(m, 'mix-per-batch').text()).toBe('26 of every 64 images in a batch come from it.');
    await new Promise((resolve) => setTimeout(resolve, SAVE_DELAY_MS + 50));
    expect(studio.settings.lastHyperparams).toMatchObject({ mix: { dataset: 'hand', share: 0.4, holdout: 0.3 } });

    await get(m, 'start').trigger('click');
    await settle();
    expect(studio.inputs('train:start')).toEqual([expect.objectContaining({ hyperparams: expect.objectContaining({ mix: { dataset: 'hand', share: 0.4, holdout: 0.3 } }) })]);
    studio.emit('train', started());
    studio.emit('train', { ...done(), mix: mixOutcome });
    await settle();
    const trade = get(m, 'mix-trade-off');
    const row = (id: string) => ({ label: get(m, id).get('dt').text(), value: get(m, id).get('dd').text().replace(/\s+/g, '') });
    expect(row('mix-hand')).toEqual({ label: expect.stringMatching(/^Your hand: My hand\s+held out, 9 digits never trained on$/), value: '71.1%→93.3%+22.2pts' });
    expect(row('mix-test')).toEqual({ label: 'Test set: MNIST', value: '97.9%→97.7%-0.2pts' });
    expect(trade.text()).toContain('your hand should go up while the test set stays');
  });

  it('with no personal set, says to write one; a set picked earlier and deleted since keeps Start off; in Chinese', async () => {
    const m = await openTrain(engine([datasetSummary('mnist')], { language: 'zh-CN', lastHyperparams: { epochs: 5, mix: { dataset: 'gone', share: 0.25, holdout: 0.3 } } }));
    await settle();
    expect(get(m, 'train-mix').text()).toContain('你自己的数字');
    expect(get(m, 'mix-none').text()).toContain('还没有个人数据集');
    expect(get(m, 'mix-none').find('a').attributes('href')).toBe('/write');
    expect(get(m, 'start').attributes('disabled')).toBeDefined();
    expect(get(m, 'start-blocker').text()).toBe('选择一个要混入的个人数据集，或关闭混入。');
    await get(m, 'mix-on').setValue(false);
    await settle();
    expect(get(m, 'start').attributes('disabled')).toBeUndefined();
  });
});
