import type { DOMWrapper, VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { DIGIT_CLASSES, FASHION_CLASSES } from '../../src/shared/datasets';
import { cleanUp, mountStudio, settle, StudioDouble, type Mounted } from './harness';
import { fakeEvaluation, fakeRun, RunsDouble, TEST_IMAGES_SHA, type FakeRun } from './runs-double';
import { datasetSummary } from './training-fixtures';

let mounted: Mounted | null = null;

afterEach(() => {
  cleanUp(mounted);
  mounted = null;
});

const OLDER: FakeRun = { id: 'run-older', createdAt: '2026-06-01T09:00:00.000Z', accuracy: 0.9 };
/** 1,000 test images, half of them wrong: 50 of each class taken for the next one. */
const LATEST: FakeRun = { id: 'run-latest', createdAt: '2026-06-03T09:00:00.000Z', accuracy: 0.5, testCount: 1000, model: 'cnn' };
const FAILED: FakeRun = { id: 'run-failed', createdAt: '2026-06-04T09:00:00.000Z', status: 'failed' };

async function openEvaluate(options: { runs?: FakeRun[]; path?: string; language?: 'en' | 'zh-CN' } = {}) {
  const studio = new StudioDouble({ language: options.language ?? 'en' });
  const double = new RunsDouble(studio, (options.runs ?? [OLDER, LATEST, FAILED]).map(fakeRun));
  mounted = await mountStudio({ studio, path: options.path ?? '/evaluate' });
  return { wrapper: mounted.wrapper, router: mounted.router, studio, double };
}

const matrix = (wrapper: VueWrapper) => wrapper.get('[data-testid="confusion-matrix"]');
const cell = (wrapper: VueWrapper, label: number, predicted: number) => matrix(wrapper).get(`[data-cell="${label}-${predicted}"]`);
const texts = (ws: DOMWrapper<Element>[]) => ws.map((w) => w.text().trim());

describe('the Evaluate screen', () => {
  it('says there is nothing to evaluate before a run finishes, and links to Train', async () => {
    const { wrapper, router } = await openEvaluate({ runs: [FAILED] });
    const empty = wrapper.get('[data-testid="nothing-to-evaluate"]');
    expect(empty.get('h2').text()).toBe('Nothing to evaluate yet');
    expect(wrapper.find('[data-testid="run-picker"]').exists()).toBe(false);
    await empty.get('[data-testid="to-train"]').trigger('click');
    await settle();
    expect(router.currentRoute.value.path).toBe('/train');
  });

  it('shows the latest finished run: accuracy and loss first, per-class results, and the confusion matrix as a table', async () => {
    const { wrapper } = await openEvaluate();
    expect(wrapper.get('[data-testid="evaluation"]').attributes('data-run')).toBe('run-latest');
    expect(wrapper.get('[data-testid="test-accuracy"]').text()).toBe('50.0%');
    expect(wrapper.get('[data-testid="test-loss"]').text()).toBe('0.35');
    expect(wrapper.get('[data-testid="mistakes"]').text()).toBe('500');
    // The picker offers finished runs only, newest first.
    const picker = wrapper.get<HTMLSelectElement>('[data-testid="run-picker"]');
    expect(picker.findAll('option').map((o) => o.attributes('value'))).toEqual(['run-latest', 'run-older']);
    expect(picker.element.value).toBe('run-latest');

    const classes = wrapper.get('[data-testid="class-metrics"]');
    expect(texts(classes.findAll('thead th'))).toEqual(['Class', 'Precision', 'Recall', 'F1', 'Images']);
    // Class 3: 50 of its 100 found (recall), 50 of the 100 called 3 were 3 (precision).
    expect(texts(classes.findAll('tbody tr')[3]!.findAll('th, td'))).toEqual(['3', '50.0%', '50.0%', '50.0%', '100']);

    const m = matrix(wrapper);
    expect(m.attributes('aria-label')).toBe('Confusion matrix: a row per true class, a column per predicted class, with the number of test images in each cell');
    expect(m.findAll('tbody tr')).toHaveLength(10);
    expect(texts(m.findAll('thead th')).slice(1)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(texts(m.findAll('tbody tr')[3]!.findAll('th, td'))).toEqual(['3', '0', '0', '0', '50', '50', '0', '0', '0', '0', '0']);
    // Every cell names its count; only mistakes with images open something, the diagonal and empty cells are inert.
    expect(cell(wrapper, 3, 4).get('button').attributes('aria-label')).toBe('50 images of 3 predicted as 4');
    expect(cell(wrapper, 3, 4).get('button').attributes('aria-disabled')).toBeUndefined();
    expect(cell(wrapper, 3, 3).get('button').attributes('aria-label')).toBe('50 images of 3 predicted correctly');
    expect(cell(wrapper, 3, 3).get('button').attributes('aria-disabled')).toBe('true');
    expect(cell(wrapper, 3, 5).get('button').attributes('aria-disabled')).toBe('true');
    expect(m.findAll('button:not([aria-disabled])')).toHaveLength(10);
    // One Tab stop: the first cell that opens images.
    expect(m.findAll('button[tabindex="0"]').map((b) => b.attributes('aria-label'))).toEqual(['50 images of 0 predicted as 1']);
    // Colour follows the share of the row: right and wrong at 50 % each here.
    expect(cell(wrapper, 3, 3).attributes('style')).toBe('--level: 50;');
    expect(cell(wrapper, 3, 3).classes()).toEqual(expect.arrayContaining(['cell', 'right']));
    expect(cell(wrapper, 3, 4).classes()).toEqual(expect.arrayContaining(['cell', 'wrong', 'strong']));
    expect(cell(wrapper, 3, 5).attributes('style')).toBe('--level: 0;');
    expect(wrapper.get('[data-testid="pick-a-cell"]').text()).toBe('Choose a cell of the matrix off the diagonal to see the test images behind it.');
  });

  it('opens the misclassified images of a cell, drawn from the test set, and reads more on request', async () => {
    const { wrapper, double } = await openEvaluate();
    const button = cell(wrapper, 3, 4).get('button');
    await button.trigger('click');
    await settle();
    expect(button.attributes('aria-pressed')).toBe('true');
    // Mistakes of class 3 are test images 3, 13, 23, … (label = index mod 10, the first 500 wrong).
    const wanted = Array.from({ length: 50 }, (_, k) => 3 + 10 * k);
    expect(double.imageRequests).toEqual([{ id: 'mnist', indices: wanted.slice(0, 40), sha256: TEST_IMAGES_SHA }]);
    const panel = wrapper.get('[data-testid="misclassified"]');
    expect(panel.get('h3').text()).toBe('3 predicted as 4');
    expect(panel.get('[role="status"]').text()).toBe('40 of 50 images');
    const list = panel.get('[data-testid="misclassified-images"]');
    expect(list.attributes('aria-label')).toBe('Test images of 3 the model took for 4');
    expect(list.findAll('canvas').map((c) => Number(c.attributes('data-index')))).toEqual(wanted.slice(0, 40));
    expect(list.findAll('li')[1]!.attributes('title')).toBe('Test image 13');

    await panel.get('[data-testid="more-images"]').trigger('click');
    await settle();
    expect(double.imageRequests.at(-1)!.indices).toEqual(wanted.slice(40));
    expect(wrapper.get('[data-testid="misclassified"] [role="status"]').text()).toBe('50 of 50 images');
    expect(wrapper.findAll('[data-testid="misclassified-images"] canvas')).toHaveLength(50);
    expect(wrapper.find('[data-testid="more-images"]').exists()).toBe(false);

    // Another cell starts again.
    await cell(wrapper, 7, 8).get('button').trigger('click');
    await settle();
    expect(double.imageRequests.at(-1)!.indices.slice(0, 3)).toEqual([7, 17, 27]);
    expect(cell(wrapper, 3, 4).get('button').attributes('aria-pressed')).toBe('false');
    expect(wrapper.get('[data-testid="misclassified"] h3').text()).toBe('7 predicted as 8');
  });

  it('moves between the cells by the arrow keys, Home and End, with one Tab stop; an inert cell opens nothing', async () => {
    const { wrapper, double } = await openEvaluate();
    const button = (r: number, c: number) => cell(wrapper, r, c).get('button');
    const stops = () => matrix(wrapper).findAll('button[tabindex="0"]');
    (button(3, 4).element as HTMLElement).focus();
    await button(3, 4).trigger('focus');
    await button(3, 4).trigger('keydown', { key: 'ArrowDown' });
    await settle();
    expect(document.activeElement).toBe(button(4, 4).element);
    await button(4, 4).trigger('keydown', { key: 'ArrowRight' });
    await settle();
    expect(document.activeElement).toBe(button(4, 5).element);
    expect(stops()).toHaveLength(1);
    expect(stops()[0]!.element).toBe(button(4, 5).element);
    await button(4, 5).trigger('keydown', { key: 'End' });
    await settle();
    expect(document.activeElement).toBe(button(4, 9).element);
    await button(4, 9).trigger('keydown', { key: 'ArrowRight' });
    await settle();
    expect(document.activeElement).toBe(button(4, 9).element);
    await button(4, 9).trigger('keydown', { key: 'Home' });
    await button(4, 0).trigger('keydown', { key: 'ArrowUp' });
    await settle();
    expect(document.activeElement).toBe(button(3, 0).element);
    await button(3, 0).trigger('click');
    await settle();
    expect(wrapper.find('[data-testid="misclassified"]').exists()).toBe(false);
    expect(double.imageRequests).toEqual([]);
  });

  it('opens the run the address names, and the picker changes the address', async () => {
    const { wrapper, router } = await openEvaluate({ path: '/evaluate?run=run-older' });
    expect(wrapper.get('[data-testid="evaluation"]').attributes('data-run')).toBe('run-older');
    expect(wrapper.get('[data-testid="test-accuracy"]').text()).toBe('90.0%');
    await wrapper.get('[data-testid="run-picker"]').setValue('run-latest');
    await settle();
    expect(router.currentRoute.value.fullPath).toBe('/evaluate?run=run-latest');
    expect(wrapper.get('[data-testid="evaluation"]').attributes('data-run')).toBe('run-latest');
  });

  it('opens a run that finished after the list was last read, as the Train screen links to it', async () => {
    const { wrapper, router, double } = await openEvaluate({ path: '/runs' });
    double.put(fakeRun({ id: 'run-new', createdAt: '2026-06-06T09:00:00.000Z', accuracy: 0.97 }));
    await router.push('/evaluate?run=run-new');
    await settle();
    expect(wrapper.find('[data-testid="asked-missing"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="evaluation"]').attributes('data-run')).toBe('run-new');
    expect(wrapper.get('[data-testid="test-accuracy"]').text()).toBe('97.0%');
  });

  it('says when the run asked for has no results, and shows the latest instead', async () => {
    const { wrapper } = await openEvaluate({ path: '/evaluate?run=run-failed' });
    expect(wrapper.get('[data-testid="asked-missing"]').text()).toBe(
      'Run run-failed has no test results to show: it was deleted or has not finished. The latest run is shown instead.',
    );
    expect(wrapper.get('[data-testid="evaluation"]').attributes('data-run')).toBe('run-latest');
  });

  it('cannot show the images of a run trained on a folder, nor of a data set replaced since', async () => {
    const folder: FakeRun = { id: 'run-folder', createdAt: '2026-06-05T09:00:00.000Z', datasetId: 'dir:/data/digits', accuracy: 0.9 };
    const { wrapper, double } = await openEvaluate({ runs: [OLDER, folder] });
    await cell(wrapper, 0, 1).get('button').trigger('click');
    await settle();
    expect(wrapper.get('[data-testid="images-folder"]').text()).toBe(
      'This run was trained on a folder rather than a data set in the studio, so its test images cannot be shown here.',
    );
    expect(double.imageRequests).toEqual([]);

    double.testImagesSha = 'f'.repeat(64);
    await wrapper.get('[data-testid="run-picker"]').setValue('run-older');
    await settle();
    await cell(wrapper, 0, 1).get('button').trigger('click');
    await settle();
    const error = wrapper.get('[data-testid="misclassified"] [data-testid="error"]');
    expect(error.attributes('data-code')).toBe('INTEGRITY');
    expect(error.text()).toContain('The data set MNIST was replaced since this run was tested, so its images would not be the run’s.');
  });

  it('names Fashion-MNIST’s classes in Chinese, in the table and the matrix', async () => {
    const fashion: FakeRun = { id: 'run-fashion', createdAt: '2026-06-05T09:00:00.000Z', datasetId: 'fashion-mnist', classNames: FASHION_CLASSES, accuracy: 0.8 };
    const { wrapper } = await openEvaluate({ runs: [fashion], language: 'zh-CN' });
    expect(wrapper.get('[data-testid="screen-title"]').text()).toBe('评估');
    expect(texts(wrapper.findAll('[data-testid="class-metrics"] tbody th'))).toEqual(['T 恤/上衣', '裤子', '套头衫', '连衣裙', '外套', '凉鞋', '衬衫', '运动鞋', '包', '短靴']);
    expect(texts(matrix(wrapper).findAll('thead th')).slice(1)).toEqual(['T 恤/上衣', '裤子', '套头衫', '连衣裙', '外套', '凉鞋', '衬衫', '运动鞋', '包', '短靴']);
    expect(matrix(wrapper).classes()).toContain('long-names');
    expect(cell(wrapper, 9, 0).get('button').attributes('aria-label')).toBe('4 张 短靴 被预测为 T 恤/上衣');
  });
});

describe('the Evaluate screen on another data set', () => {
  const hand = { ...datasetSummary('my-hand'), name: 'My hand', personal: true, test: { count: 20, classCounts: Array<number>(10).fill(2) } };

  async function openOn(runs: FakeRun[], path: string) {
    const studio = new StudioDouble({ language: 'en' });
    new RunsDouble(studio, runs.map(fakeRun));
    studio.respond('datasets:list', () => [datasetSummary('mnist'), hand]);
    const asked: unknown[] = [];
    studio.respond('models:evaluate', (input) => {
      asked.push(input);
      return fakeEvaluation(20, 0.75, DIGIT_CLASSES);
    });
    mounted = await mountStudio({ studio, path });
    await settle();
    return { wrapper: mounted.wrapper, router: mounted.router, asked };
  }

  it('scores the run’s model on the set chosen in the picker (a personal one), and shows that evaluation', async () => {
    const { wrapper, router, asked } = await openOn([LATEST], '/evaluate');
    const picker = wrapper.get<HTMLSelectElement>('[data-testid="dataset-picker"]');
    expect(texts(picker.findAll('option'))).toEqual(['Its own (MNIST)', 'My hand (yours)']);
    expect(wrapper.get('[data-testid="test-accuracy"]').text()).toBe('50.0%');
    await picker.setValue('my-hand');
    await settle();
    expect(router.currentRoute.value.query.dataset).toBe('my-hand');
    expect(asked).toEqual([{ id: 'run-latest-model', dataset: { id: 'my-hand' } }]);
    expect(wrapper.get('[data-testid="test-accuracy"]').text()).toBe('75.0%');
    expect(wrapper.get('[data-testid="scored-on"]').text()).toBe('The model of this run, scored on My hand.');
    expect(wrapper.find('[data-testid="class-mismatch"]').exists()).toBe(false);
    // Back to its own test set: the run's evaluation, no new call.
    await picker.setValue('');
    await settle();
    expect(router.currentRoute.value.query.dataset).toBeUndefined();
    expect(wrapper.get('[data-testid="test-accuracy"]').text()).toBe('50.0%');
    expect(asked).toHaveLength(1);
  });

  it('warns when a Fashion-MNIST model is scored on digits: its classes differ', async () => {
    const fashion: FakeRun = { id: 'run-fashion', createdAt: '2026-06-05T09:00:00.000Z', accuracy: 0.8, datasetId: 'fashion-mnist', classNames: FASHION_CLASSES };
    const { wrapper } = await openOn([fashion], '/evaluate?dataset=my-hand');
    expect(wrapper.get('[data-testid="class-mismatch"]').text()).toBe(
      'This model was trained on Fashion-MNIST; its classes differ from My hand’s, so its accuracy there means little.',
    );
  });
});
