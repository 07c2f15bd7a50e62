import type { VueWrapper } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Explanation } from '../../src/shared/explain';
import type { Prediction } from '../../src/shared/models';
import { StudioError } from '../../src/shared/result';
import type { TrainStatus } from '../../src/shared/training';
import { cleanUp, mountStudio, settle, StudioDouble, type Mounted } from './harness';
import { modelEntry } from './models-double';
import { done, epochEvent, RUN, started } from './training-fixtures';

let mounted: Mounted | null = null;

/** What the pad's canvas holds: a thick stroke (ink as opacity on a clear background), or nothing. */
let ink = true;

beforeEach(() => {
  ink = true;
  // happy-dom's canvas is a mock that keeps no pixels: the pad's content is what this says.
  vi.spyOn(CanvasRenderingContext2D.prototype, 'getImageData').mockImplementation((_x: number, _y: number, w: number, h: number) => {
    const data = new Uint8ClampedArray(w * h * 4);
    if (ink) for (let y = 60; y < 220; y++) for (let x = 130; x < 150; x++) data[(y * w + x) * 4 + 3] = 255;
    return { width: w, height: h, data, colorSpace: 'srgb' };
  });
});

afterEach(() => {
  vi.restoreAllMocks();
  cleanUp(mounted);
  mounted = null;
});

const FASHION = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
let MODELS = [
  modelEntry('m2', { name: 'Fashion CNN', specName: 'cnn', datasetId: 'fashion-mnist', datasetName: 'Fashion-MNIST', classNames: FASHION, createdAt: '2026-06-03T09:00:00.000Z' }),
  modelEntry('m1'),
];
const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** An answer whose most probable class is `top`. */
function answer(top: number, classNames = DIGITS): Prediction {
  const probabilities = Array.from({ length: 10 }, (_, i) => (i === top ? 0.91 : 0.01));
  return { probabilities, predicted: top, classNames, input: new Uint8Array(784).fill(7), inkBox: { x: 130, y: 60, width: 20, height: 160 } };
}

const idle: TrainStatus = { runId: null, state: 'idle', epoch: 0, epochs: 0, step: 0, stepsPerEpoch: 0 };

async function openPlayground(options: { path?: string; language?: 'en' | 'zh-CN'; predict?: (id: string) => Promise<Prediction> | Prediction } = {}) {
  const studio = new StudioDouble({ language: options.language ?? 'en' })
    .respond('models:list', () => structuredClone(MODELS))
    .respond('train:status', () => idle)
    .respond('models:predict', ({ id }) => (options.predict ? options.predict(id) : answer(['m2', 'f1'].includes(id) ? 9 : 1, ['m2', 'f1'].includes(id) ? FASHION : DIGITS)));
  mounted = await mountStudio({ studio, path: options.path ?? '/playground' });
  return { wrapper: mounted.wrapper, router: mounted.router, studio };
}

/** A stroke on the pad, as a pointer gives it; then the throttled question is asked. */
async function stroke(wrapper: VueWrapper): Promise<void> {
  const pad = wrapper.get('[data-testid="pad"]');
  await pad.trigger('pointerdown', { button: 0, pointerId: 1, clientX: 10, clientY: 10 });
  await pad.trigger('pointermove', { pointerId: 1, clientX: 12, clientY: 30 });
  await pad.trigger('pointerup', { pointerId: 1, clientX: 12, clientY: 30 });
  await new Promise((resolve) => setTimeout(resolve, 200));
  await settle();
}

const bars = (wrapper: VueWrapper) => wrapper.findAll('[data-testid="bar"]').map((b) => b.attributes('aria-label'));

describe('the Playground', { timeout: 20_000 }, () => {
  it('offers every saved model (the one in the route first), scores a drawing in the canvas’s RGBA, and shows ten bars with the top one highlighted', async () => {
    const { wrapper, studio } = await openPlayground({ path: '/playground?model=m1' });
    const picker = wrapper.get('[data-testid="model-picker"]');
    // Each line names the data set, the accuracy and the date, so models of one name still differ.
    expect(picker.findAll('option').map((o) => o.text())).toEqual([
      expect.stringMatching(/^Fashion CNN · Fashion-MNIST · 97\.3% on the test set · Jun 3, \d\d:\d\d/),
      expect.stringMatching(/^mlp · MNIST · 97\.3% on the test set · Jun 2, \d\d:\d\d/),
    ]);
    expect((picker.element as HTMLSelectElement).value).toBe('saved:m1');
    expect(wrapper.get('[data-testid="waiting"]').text()).toBe('Draw a digit to see what the model thinks.');

    await stroke(wrapper);
    const sent = studio.inputs('models:predict');
    expect(sent.length).toBeGreaterThanOrEqual(1);
    expect(sent.at(-1)).toMatchObject({ id: 'm1', preprocess: true, image: { pixels: { width: 280, height: 280, channels: 4 } } });
    expect(bars(wrapper)).toEqual(DIGITS.map((d, i) => `${d}: ${i === 1 ? '91.0%' : '1.0%'}`));
    expect(wrapper.get('.bar-row.top').attributes('data-class')).toBe('1');
    expect(wrapper.get('[data-testid="top"]').text()).toBe('It looks like 1 (91.0%)');
    expect(wrapper.find('[data-testid="seen"] canvas').exists()).toBe(true);

    // Another model: the same drawing asked again; Fashion-MNIST's classes by their names.
    await picker.setValue('saved:m2');
    await settle();
    expect(studio.inputs('models:predict').at(-1)).toMatchObject({ id: 'm2' });
    expect(wrapper.get('[data-testid="top"]').text()).toBe('It looks like Ankle boot (91.0%)');
  });

  it('starts with the best model of a digits data set, not the newest Fashion-MNIST one, which asks for clothing and names its classes', async () => {
    const before = MODELS;
    MODELS = [
      modelEntry('f1', {
        name: 'mlp · Fashion-MNIST',
        datasetId: 'fashion-mnist',
        datasetName: 'Fashion-MNIST',
        classNames: FASHION,
        testAccuracy: 0.99,
        createdAt: '2026-06-05T09:00:00.000Z',
      }),
      modelEntry('d2', { testAccuracy: 0.95, createdAt: '2026-06-04T09:00:00.000Z' }),
      modelEntry('d1', { testAccuracy: 0.975, createdAt: '2026-06-01T09:00:00.000Z' }),
    ];
    try {
      const { wrapper } = await openPlayground();
      const picker = wrapper.get('[data-testid="model-picker"]');
      expect((picker.element as HTMLSelectElement).value).toBe('saved:d1');
      expect(wrapper.text()).toContain('Draw a digit');
      expect(wrapper.find('[data-testid="draw-what"]').exists()).toBe(false);
      await picker.setValue('saved:f1');
      await settle();
      expect(wrapper.text()).toContain('Draw a piece of clothing');
      expect(wrapper.get('[data-testid="draw-what"]').text()).toContain('trained on Fashion-MNIST: draw a piece of clothing');
      await stroke(wrapper);
      expect(wrapper.get('[data-testid="top"]').text()).toBe('It looks like Ankle boot (91.0%)');
    } finally {
      MODELS = before;
    }
  });

  it('keeps the latest answer: one arriving late for an older drawing is dropped', async () => {
    const waiting: ((p: Prediction) => void)[] = [];
    const { wrapper, studio } = await openPlayground({ predict: () => new Promise<Prediction>((resolve) => waiting.push(resolve)) });
    await stroke(wrapper);
    await stroke(wrapper);
    expect(waiting.length).toBeGreaterThanOrEqual(2);
    expect(studio.inputs('models:predict').length).toBe(waiting.length);
    waiting.at(-1)!(answer(4));
    await settle();
    expect(wrapper.get('[data-testid="top"]').text()).toBe('It looks like 4 (91.0%)');
    waiting[0]!(answer(8));
    await settle();
    expect(wrapper.get('[data-testid="top"]').text()).toBe('It looks like 4 (91.0%)');
  });

  it('Delete on the pad clears it and the answer; a blank pad asks nothing', async () => {
    const { wrapper, studio } = await openPlayground();
    await stroke(wrapper);
    expect(wrapper.find('[data-testid="top"]').exists()).toBe(true);
    const asked = studio.inputs('models:predict').length;
    ink = false;
    await wrapper.get('[data-testid="pad"]').trigger('keydown', { key: 'Delete' });
    await settle();
    expect(wrapper.find('[data-testid="top"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="waiting"]').exists()).toBe(true);
    await wrapper.get('[data-testid="pad-clear"]').trigger('click');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(studio.inputs('models:predict').length).toBe(asked);
  });

  it('says a refused prediction in the user’s language with what to do, never the raw object', async () => {
    const { wrapper } = await openPlayground({
      language: 'zh-CN',
      predict: (id) => {
        throw new StudioError('NOT_FOUND', `no model ${id} in /home/ada/.config/MNIST Studio/models`, 'id');
      },
    });
    await stroke(wrapper);
    const error = wrapper.get('[data-testid="error"]');
    expect(error.attributes('data-code')).toBe('NOT_FOUND');
    expect(error.text()).toContain('无法识别你写的数字');
    expect(error.text()).toContain('找不到所需的内容：');
    expect(error.text()).toContain('这个模型已不存在，请选择另一个。');
    expect(error.get('[data-testid="error-detail"]').text()).toBe('no model m1 in /home/ada/.config/MNIST Studio/models');
    expect(error.text()).not.toContain('[object');
  });

  it('during a run offers the model in training, scores the drawing after every epoch with it, and hands over to the saved model at the end', async () => {
    const { wrapper, studio } = await openPlayground();
    let liveAnswers = 0;
    studio.respond('train:predict', () => answer(++liveAnswers % 10));
    studio.emit('train', started(RUN, 3));
    await settle();
    const live = wrapper.get('[data-testid="live-option"]');
    expect(live.text()).toBe('Model in training — starting');
    await wrapper.get('[data-testid="model-picker"]').setValue('live');
    await settle();
    expect(wrapper.find('[data-testid="live-note"]').exists()).toBe(true);
    await stroke(wrapper);
    const before = studio.inputs('train:predict').length;
    expect(before).toBeGreaterThanOrEqual(1);
    expect(studio.inputs('train:predict').at(-1)).toMatchObject({ runId: RUN, image: { pixels: { width: 280, height: 280 } } });

    studio.emit('train', epochEvent(1, RUN, 3));
    await settle();
    expect(studio.inputs('train:predict').length).toBe(before + 1);
    expect(wrapper.get('[data-testid="live-option"]').text()).toBe('Model in training — epoch 1');
    expect(wrapper.get('[data-testid="scored-epoch"]').text()).toBe('Scored by the model in training after epoch 1');
    expect(wrapper.get('[data-testid="top"]').text()).toBe(`It looks like ${liveAnswers % 10} (91.0%)`);

    studio.emit('train', epochEvent(2, RUN, 3));
    await settle();
    expect(studio.inputs('train:predict').length).toBe(before + 2);
    expect(wrapper.get('[data-testid="scored-epoch"]').text()).toBe('Scored by the model in training after epoch 2');

    // The run ends: its model is saved and becomes the choice.
    const saved = modelEntry('m3', { name: 'mlp · MNIST (new)' });
    studio.respond('models:list', () => [saved, ...MODELS]);
    studio.emit('train', { ...done(RUN), modelId: 'm3' });
    await settle();
    expect((wrapper.get('[data-testid="model-picker"]').element as HTMLSelectElement).value).toBe('saved:m3');
    expect(wrapper.find('[data-testid="live-option"]').exists()).toBe(false);
    expect(studio.inputs('models:predict').at(-1)).toMatchObject({ id: 'm3' });
  });

  it('epochs that end faster than an answer comes back: every answer is shown in turn, none cancelled by the next epoch', async () => {
    const { wrapper, studio } = await openPlayground();
    // Each live answer waits until the test lets it go, as a trainer busy with its batches does.
    const waiting: (() => void)[] = [];
    studio.respond('train:predict', () => new Promise<Prediction>((resolve) => waiting.push(() => resolve(answer(7)))));
    studio.emit('train', started(RUN, 5));
    await settle();
    await wrapper.get('[data-testid="model-picker"]').setValue('live');
    await settle();
    await stroke(wrapper);
    while (waiting.length) waiting.shift()!();
    await settle();
    const asked = studio.inputs('train:predict').length;

    studio.emit('train', epochEvent(1, RUN, 5));
    await settle();
    expect(studio.inputs('train:predict').length).toBe(asked + 1);
    // Epochs 2 and 3 end while epoch 1's answer is on its way: one more question, asked once that answer is in.
    studio.emit('train', epochEvent(2, RUN, 5));
    studio.emit('train', epochEvent(3, RUN, 5));
    await settle();
    expect(studio.inputs('train:predict').length).toBe(asked + 1);
    waiting.shift()!();
    await settle();
    expect(wrapper.get('[data-testid="scored-epoch"]').text()).toBe('Scored by the model in training after epoch 1');
    expect(studio.inputs('train:predict').length).toBe(asked + 2);
    waiting.shift()!();
    await settle();
    expect(wrapper.get('[data-testid="scored-epoch"]').text()).toBe('Scored by the model in training after epoch 3');
    expect(waiting).toHaveLength(0);
  });
  it('the Inside card looks inside the model in training and again after every epoch, none starved by epochs faster than its answers', async () => {
    const { wrapper, studio } = await openPlayground();
    studio.respond('train:predict', () => answer(7));
    const waiting: (() => void)[] = [];
    const explanation = (top: number): Explanation => ({
      prediction: answer(top),
      layers: [{ index: 0, name: 'dense_1', type: 'Dense', shape: [10], min: 0, max: 1, kind: 'units', units: 10, values: new Float32Array(10) }],
      saliency: { classIndex: top, gradient: new Float32Array(784), integrated: new Float32Array(784), steps: 32, integratedSum: 0, scoreDelta: 0 },
      elapsedMs: 5,
    });
    studio.respond('train:explain', () => new Promise<Explanation>((resolve) => waiting.push(() => resolve(explanation(7)))));
    studio.emit('train', started(RUN, 5));
    await settle();
    await wrapper.get('[data-testid="model-picker"]').setValue('live');
    await settle();
    await wrapper.get('[data-testid="inside-toggle"]').trigger('click');
    await stroke(wrapper);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await settle();
    expect(studio.inputs('train:explain')).toHaveLength(1);
    expect(studio.inputs('train:explain')[0]).toMatchObject({ runId: RUN, image: { pixels: { channels: 4 } } });
    expect(studio.inputs('models:explain')).toHaveLength(0);
    waiting.shift()!();
    await settle();
    expect(wrapper.findAll('[data-testid="inside-layer"]')).toHaveLength(1);
    expect(wrapper.get('[data-testid="inside-live"]').text()).toBe('With the weights the run starts from; looked at again after every epoch.');

    // Epochs 1 and 2 end while epoch 1's explanation is on its way: it is shown, then one more is asked.
    studio.emit('train', epochEvent(1, RUN, 5));
    await settle();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(studio.inputs('train:explain')).toHaveLength(2);
    studio.emit('train', epochEvent(2, RUN, 5));
    await settle();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(studio.inputs('train:explain')).toHaveLength(2);
    waiting.shift()!();
    await settle();
    expect(wrapper.get('[data-testid="inside-live"]').text()).toBe('With the weights the run has after epoch 1; looked at again after every epoch.');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await settle();
    expect(studio.inputs('train:explain')).toHaveLength(3);
    waiting.shift()!();
    await settle();
    expect(wrapper.get('[data-testid="inside-live"]').text()).toBe('With the weights the run has after epoch 2; looked at again after every epoch.');
    expect(waiting).toHaveLength(0);
  });
});
