import type { DOMWrapper, VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { DATASETS } from '../../src/shared/datasets';
import { cleanUp, INFO, mountStudio, settle, StudioDouble, type Mounted } from './harness';
import { DatasetsDouble, readyDataset } from './datasets-double';
import { useDatasetsStore } from '../../src/renderer/src/stores/datasets';

let mounted: Mounted | null = null;

afterEach(() => {
  cleanUp(mounted);
  mounted = null;
});

const HOME = INFO.home;
const MIRROR = 'http://127.0.0.1:8080/';
const FASHION_FILES = Object.values(DATASETS['fashion-mnist'].files).map((f) => `${f.name}.gz`);

/** The Data screen on a studio double whose datasets domain the test drives. */
async function openData(options: { studio?: StudioDouble; summaries?: ConstructorParameters<typeof DatasetsDouble>[1]; locale?: 'en' | 'zh-CN' } = {}) {
  const studio = options.studio ?? new StudioDouble();
  const data = new DatasetsDouble(studio, options.summaries);
  mounted = await mountStudio({ studio, path: '/data', ...(options.locale ? { locale: options.locale } : {}) });
  return { wrapper: mounted.wrapper, studio, data, router: mounted.router };
}

const card = (wrapper: VueWrapper, id: string) => wrapper.get(`[data-testid="dataset-card"][data-dataset="${id}"]`);
const squash = (w: Pick<DOMWrapper<Element>, 'text'>) => w.text().replace(/\s+/g, ' ').trim();
/** The pieces of a line laid out with gaps rather than spaces. */
const parts = (w: Pick<DOMWrapper<Element>, 'findAll'>) => w.findAll('span').map((s) => s.text());

describe('the Data screen', () => {
  it('lists MNIST and Fashion-MNIST of a fresh home with their size, counts and status, MNIST chosen, nothing written', async () => {
    const { wrapper, studio } = await openData();
    expect(wrapper.find('[data-testid="empty-state"]').exists()).toBe(false);
    const group = wrapper.get('[role="radiogroup"]');
    expect(group.attributes('aria-label')).toBe('Data sets');
    expect(group.findAll('[role="radio"]').map((r) => [r.text(), r.attributes('aria-checked'), r.attributes('tabindex')])).toEqual([
      ['MNIST', 'true', '0'],
      ['Fashion-MNIST', 'false', '-1'],
    ]);
    const mnist = card(wrapper, 'mnist');
    expect(squash(mnist.get('[data-testid="dataset-status"]'))).toBe('Not downloaded');
    expect(mnist.get('[data-testid="train-count"]').text()).toBe('60,000 images');
    expect(mnist.get('[data-testid="test-count"]').text()).toBe('10,000 images');
    expect(mnist.get('[data-testid="size"]').text()).toBe('about 11.6 MB');
    expect(card(wrapper, 'fashion-mnist').get('[data-testid="size"]').text()).toBe('about 30.9 MB');
    expect(mnist.get('[data-testid="download"]').text()).toBe('Download');
    expect(wrapper.get('[data-testid="details-not-ready"]').text()).toBe('Download or import MNIST to see its images and how many there are of each class.');
    // A default is not a choice: nothing is saved until the user picks.
    expect(studio.updates()).toEqual([]);
  });

  it('downloads with a live bar, speed, time left, mirror and files; a retry and a failed mirror are said quietly; Ready at the end', async () => {
    const { wrapper, data } = await openData();
    const fashion = () => card(wrapper, 'fashion-mnist');
    await fashion().get('[data-testid="download"]').trigger('click');
    await settle();
    expect(data.downloads).toEqual([{ id: 'fashion-mnist', mirrors: [], defaultMirrors: true }]);
    // Downloading chose it.
    expect(fashion().get('[role="radio"]').attributes('aria-checked')).toBe('true');
    expect(squash(fashion().get('[data-testid="dataset-status"]'))).toBe('Downloading');

    data.emit({ kind: 'started', dataset: 'fashion-mnist', files: FASHION_FILES, totalBytes: 30_000_000 });
    data.emit({ kind: 'mirror-failed', dataset: 'fashion-mnist', file: FASHION_FILES[0]!, mirror: 'https://broken.example/', reason: 'broken.example has a server error' });
    data.emit({
      kind: 'progress',
      dataset: 'fashion-mnist',
      file: FASHION_FILES[0]!,
      mirror: MIRROR,
      fileBytes: 7_500_000,
      fileTotal: 26_000_000,
      doneBytes: 7_500_000,
      totalBytes: 30_000_000,
      bytesPerSecond: 2_500_000,
      etaSeconds: 9,
    });
    data.emit({
      kind: 'retry',
      dataset: 'fashion-mnist',
      file: FASHION_FILES[0]!,
      mirror: MIRROR,
      attempt: 1,
      delayMs: 500,
      fromByte: 7_500_000,
      reason: '127.0.0.1:8080: connection dropped',
    });
    await settle();
    const bar = fashion().get('[role="progressbar"]');
    expect(bar.attributes('aria-label')).toBe('Download of Fashion-MNIST');
    expect(bar.attributes('aria-valuenow')).toBe('25');
    expect(bar.attributes('aria-valuetext')).toBe('7.5 MB of 30 MB');
    expect(parts(fashion().get('[data-testid="download-stats"]'))).toEqual(['7.5 MB of 30 MB', '·', '2.5 MB/s', '·', '9 sec left']);
    expect(fashion().get('[data-testid="download-mirror"]').text()).toBe('from 127.0.0.1:8080');
    const files = () =>
      fashion()
        .findAll('li.file')
        .map((li) => [li.attributes('data-state'), li.get('code').text(), li.get('.file-status').text()]);
    expect(files()).toEqual([
      ['active', 'train-images-idx3-ubyte.gz', '7.5 MB of 26 MB'],
      ['pending', 'train-labels-idx1-ubyte.gz', 'waiting'],
      ['pending', 't10k-images-idx3-ubyte.gz', 'waiting'],
      ['pending', 't10k-labels-idx1-ubyte.gz', 'waiting'],
    ]);
    const retry = fashion().get('[data-testid="download-retry"]');
    expect(retry.text()).toBe('Connection dropped, resuming from 7.5 MB…');
    expect(retry.attributes('title')).toBe('127.0.0.1:8080: connection dropped');
    // The engine names the host first (issue 13): a silence is still told as one.
    data.emit({
      kind: 'retry',
      dataset: 'fashion-mnist',
      file: FASHION_FILES[0]!,
      mirror: MIRROR,
      attempt: 2,
      delayMs: 1000,
      fromByte: 7_500_000,
      reason: '127.0.0.1:8080: no data for 30 s',
    });
    await settle();
    expect(fashion().get('[data-testid="download-retry"]').text()).toBe('The server stopped sending, reconnecting from 7.5 MB…');
    expect(fashion().get('[data-testid="mirror-failed"]').text()).toBe('broken.example could not give a good train-images-idx3-ubyte.gz; the next mirror is tried.');
    expect(fashion().get('[aria-live="polite"]').text()).toBe('Downloading Fashion-MNIST.');

    data.emit({ kind: 'file-verified', dataset: 'fashion-mnist', file: FASHION_FILES[0]!, status: 'downloaded', mirror: MIRROR, bytes: 26_421_880 });
    data.emit({ kind: 'file-verified', dataset: 'fashion-mnist', file: FASHION_FILES[1]!, status: 'cached', mirror: null, bytes: 29_515 });
    await settle();
    expect(files().slice(0, 2)).toEqual([
      ['downloaded', 'train-images-idx3-ubyte.gz', 'verified · 26.4 MB'],
      ['cached', 'train-labels-idx1-ubyte.gz', 'already here · 29.5 kB'],
    ]);
    expect(fashion().get('[aria-live="polite"]').text()).toBe('train-images-idx3-ubyte.gz verified.');

    data.finish('fashion-mnist', 30_878_645, 12.4);
    await settle();
    expect(squash(fashion().get('[data-testid="dataset-status"]'))).toBe('Ready');
    expect(fashion().find('[data-testid="download-progress"]').exists()).toBe(false);
    expect(fashion().find('[data-testid="download"]').exists()).toBe(false);
    expect(fashion().get('[data-testid="download-outcome"]').text()).toBe('Fashion-MNIST is ready: 30.9 MB downloaded in 12 sec.');
    expect(fashion().get('[data-testid="origin"]').text()).toBe('127.0.0.1:8080');
    expect(fashion().get('[aria-live="polite"]').text()).toBe('Fashion-MNIST is ready: 30.9 MB downloaded in 12 sec.');
    // The details of the chosen, now ready, dataset: the sample grid and both histograms.
    const details = wrapper.get('[data-testid="dataset-details"]');
    expect(details.get('[data-testid="details-summary"]').text()).toBe('70,000 images in 10 classes: 60,000 for training, 10,000 for testing.');
    expect(details.findAll('[data-testid="sample-grid"] tbody tr')).toHaveLength(10);
    expect(details.findAll('canvas[data-sample]')).toHaveLength(80);
    expect(details.get('[data-testid="sample-grid"] tbody tr').find('th').text()).toBe('T-shirt/top');
    expect(details.findAll('[data-testid="histograms"] figcaption').map((c) => c.text())).toEqual(['Training set · 60,000', 'Test set · 10,000']);
    // No toast: the screen said it.
    expect(wrapper.find('[data-testid="toast"]').exists()).toBe(false);

    await fashion().get('[data-testid="download-outcome"] button').trigger('click');
    expect(fashion().find('[data-testid="download-outcome"]').exists()).toBe(false);
  });

  it('a failed download shows the translated error, the engine’s sentence and what to do; Try again starts over', async () => {
    const { wrapper, data } = await openData();
    await card(wrapper, 'mnist').get('[data-testid="download"]').trigger('click');
    await settle();
    data.fail('mnist', { code: 'NETWORK', message: 'train-images-idx3-ubyte.gz: no mirror gave a good copy: https://a.example/ HTTP 404 Not Found' });
    await settle();
    const error = card(wrapper, 'mnist').get('[data-testid="error"]');
    expect(error.attributes('role')).toBe('alert');
    expect(error.findAll('p').map((p) => p.text())).toEqual([
      'The download of MNIST failed',
      'The download failed on every mirror.',
      'train-images-idx3-ubyte.gz: no mirror gave a good copy: https://a.example/ HTTP 404 Not Found',
      'Check the connection, add a mirror you can reach in Settings, or import the files.',
    ]);
    expect(error.get('[data-testid="error-detail"]').text()).toBe('train-images-idx3-ubyte.gz: no mirror gave a good copy: https://a.example/ HTTP 404 Not Found');
    expect(card(wrapper, 'mnist').get('[aria-live="polite"]').text()).toBe('The download of MNIST failed');
    const again = card(wrapper, 'mnist').get('[data-testid="download"]');
    expect(again.text()).toBe('Try again');
    await again.trigger('click');
    await settle();
    expect(data.downloads).toHaveLength(2);
    expect(card(wrapper, 'mnist').find('[data-testid="error"]').exists()).toBe(false);
    expect(card(wrapper, 'mnist').find('[role="progressbar"]').exists()).toBe(true);
  });

  it('a failed download’s callout goes once the data set is Ready by other means (an import, another window)', async () => {
    const { wrapper, data } = await openData();
    await card(wrapper, 'mnist').get('[data-testid="download"]').trigger('click');
    await settle();
    data.fail('mnist', { code: 'NETWORK', message: 'no mirror gave a good copy' });
    await settle();
    expect(card(wrapper, 'mnist').find('[data-testid="error"]').exists()).toBe(true);
    data.summaries = data.summaries.map((d) => (d.id === 'mnist' ? readyDataset('mnist', HOME, { kind: 'import', from: '/home/ada/mnist/' }) : d));
    await useDatasetsStore().refresh();
    await settle();
    expect(squash(card(wrapper, 'mnist').get('[data-testid="dataset-status"]'))).toBe('Ready');
    expect(card(wrapper, 'mnist').find('[data-testid="error"]').exists()).toBe(false);
    expect(card(wrapper, 'mnist').find('[data-testid="download"]').exists()).toBe(false);
  });

  it('Cancel asks main, waits for its answer, and says it was cancelled, not that it failed', async () => {
    const { wrapper, data, studio } = await openData();
    await card(wrapper, 'fashion-mnist').get('[data-testid="download"]').trigger('click');
    await settle();
    const cancel = card(wrapper, 'fashion-mnist').get('[data-testid="cancel"]');
    expect(cancel.text()).toBe('Cancel');
    await cancel.trigger('click');
    await settle();
    expect(studio.calls.filter((c) => c.method === 'datasets:cancel').map((c) => c.input)).toEqual([{ id: 'fashion-mnist' }]);
    expect(data.isRunning('fashion-mnist')).toBe(false);
    const fashion = card(wrapper, 'fashion-mnist');
    expect(fashion.get('[data-testid="download-outcome"]').text()).toBe('Download cancelled. Files already verified are kept for next time.');
    expect(fashion.find('[data-testid="error"]').exists()).toBe(false);
    expect(fashion.find('[role="progressbar"]').exists()).toBe(false);
    expect(fashion.get('[data-testid="download"]').text()).toBe('Download');
  });

  it('keeps following a download while another screen is shown, and tells how it ended in a toast there', async () => {
    const { wrapper, data, router } = await openData();
    await card(wrapper, 'fashion-mnist').get('[data-testid="download"]').trigger('click');
    await settle();
    await router.push('/train');
    await settle();
    data.emit({
      kind: 'progress',
      dataset: 'fashion-mnist',
      file: FASHION_FILES[0]!,
      mirror: MIRROR,
      fileBytes: 15e6,
      fileTotal: 26e6,
      doneBytes: 15e6,
      totalBytes: 30e6,
      bytesPerSecond: 1e6,
      etaSeconds: 75,
    });
    await settle();
    await router.push('/data');
    await settle();
    expect(card(wrapper, 'fashion-mnist').get('[role="progressbar"]').attributes('aria-valuenow')).toBe('50');
    expect(card(wrapper, 'fashion-mnist').get('[data-testid="download-eta"]').text()).toBe('1 min 15 sec left');

    await router.push('/runs');
    await settle();
    data.finish('fashion-mnist', 30e6, 30);
    await settle();
    expect(wrapper.findAll('[data-testid="toast"]').map((t) => [t.attributes('data-level'), squash(t)])).toEqual([
      ['success', 'Fashion-MNIST is readyIts images and class counts are on the Data screen.'],
    ]);
  });

  it('a download failing while the user is elsewhere becomes an error toast with the translated reason and the engine’s sentence', async () => {
    const { wrapper, data, router } = await openData({ locale: 'zh-CN', studio: new StudioDouble({ language: 'zh-CN' }) });
    await card(wrapper, 'mnist').get('[data-testid="download"]').trigger('click');
    await settle();
    await router.push('/model');
    await settle();
    data.fail('mnist', { code: 'INTEGRITY', message: 'train-labels-idx1-ubyte.gz: SHA-256 (abc…) matches no known MNIST train-labels-idx1-ubyte' });
    await settle();
    const toast = wrapper.get('[data-testid="toast"]');
    expect(toast.attributes('data-level')).toBe('error');
    expect(toast.text()).toContain('MNIST 下载失败');
    expect(toast.text()).toContain('文件未通过完整性校验。');
    expect(toast.text()).toContain('train-labels-idx1-ubyte.gz: SHA-256');
  });

  it('follows a download it did not start (another window, or one running before a reload)', async () => {
    const { wrapper, data } = await openData();
    data.emit({
      kind: 'progress',
      dataset: 'mnist',
      file: 'train-images-idx3-ubyte.gz',
      mirror: MIRROR,
      fileBytes: 1e6,
      fileTotal: 9.9e6,
      doneBytes: 1e6,
      totalBytes: 11.6e6,
      bytesPerSecond: 0,
      etaSeconds: null,
    });
    await settle();
    const mnist = card(wrapper, 'mnist');
    expect(parts(mnist.get('[data-testid="download-stats"]'))).toEqual(['1 MB of 11.6 MB', '·', 'estimating time left…']);
    expect(mnist.find('[data-testid="download"]').exists()).toBe(false);
    expect(mnist.find('[data-testid="cancel"]').exists()).toBe(true);
  });

  it('uses only the mirrors in Settings when asked, which it can only be once there is one; links to Settings', async () => {
    const { wrapper, data, router } = await openData({ studio: new StudioDouble({ mirrors: ['https://mirror.example.org/mnist/'] }) });
    expect(wrapper.get('[data-testid="my-mirrors"]').text()).toBe('https://mirror.example.org/mnist/');
    const only = wrapper.get<HTMLInputElement>('[data-testid="only-my-mirrors"]');
    expect(only.element.disabled).toBe(false);
    await only.setValue(true);
    await card(wrapper, 'mnist').get('[data-testid="download"]').trigger('click');
    await settle();
    expect(data.downloads).toEqual([{ id: 'mnist', mirrors: [], defaultMirrors: false }]);
    await wrapper.get('[data-testid="edit-mirrors"]').trigger('click');
    await settle();
    expect(router.currentRoute.value.path).toBe('/settings');
  });

  it('without mirrors of the user, cannot leave out the official hosts', async () => {
    const { wrapper } = await openData();
    expect(wrapper.get('[data-testid="mirror-sources"]').text()).toContain('None: add one in Settings to try it first.');
    expect(wrapper.get<HTMLInputElement>('[data-testid="only-my-mirrors"]').element.disabled).toBe(true);
  });

  it('remembers the choice: a click on a card, arrow keys, and the stored choice at the next start', async () => {
    const { wrapper, studio } = await openData();
    await card(wrapper, 'fashion-mnist').get('.description').trigger('click');
    await settle();
    expect(studio.updates()).toEqual([{ lastDatasetId: 'fashion-mnist' }]);
    expect(card(wrapper, 'fashion-mnist').classes()).toContain('selected');
    expect(wrapper.get('#dataset-details-title').text()).toBe('Inside Fashion-MNIST');

    await card(wrapper, 'fashion-mnist').get('[role="radio"]').trigger('keydown', { key: 'ArrowRight' });
    await settle();
    expect(studio.settings.lastDatasetId).toBe('mnist');
    expect(document.activeElement?.textContent).toBe('MNIST');

    cleanUp(mounted);
    const again = await openData({ studio: new StudioDouble({ lastDatasetId: 'fashion-mnist' }) });
    expect(card(again.wrapper, 'fashion-mnist').get('[role="radio"]').attributes('aria-checked')).toBe('true');
  });

  it('a stored choice that no longer exists falls back to the first ready dataset', async () => {
    const { wrapper } = await openData({
      studio: new StudioDouble({ lastDatasetId: 'deleted-one' }),
      summaries: [readyDataset('mnist', HOME), readyDataset('fashion-mnist', HOME)].map((d, i) => (i === 0 ? { ...d, status: 'partial', files: 2, train: null, test: null } : d)),
    });
    expect(card(wrapper, 'fashion-mnist').get('[role="radio"]').attributes('aria-checked')).toBe('true');
    expect(squash(card(wrapper, 'mnist').get('[data-testid="dataset-status"]'))).toBe('2 of 4 files');
    expect(card(wrapper, 'mnist').get('[data-testid="download"]').text()).toBe('Finish download');
  });

  it('one display name per data set; an imported set never shows the registry’s 60,000 (issue 15, item 4)', async () => {
    const { wrapper } = await openData({
      summaries: [
        // A home from before imports took their own id: a broken imported subset under `mnist`, and a manifest naming Fashion-MNIST by its id.
        { ...readyDataset('mnist', HOME, { kind: 'import', from: '/data/subset' }), name: 'mnist', status: 'missing', files: 0, train: null, test: null },
        { ...readyDataset('fashion-mnist', HOME), name: 'fashion' },
        { ...readyDataset('digits-8k', HOME), name: 'Digits 8k', train: { count: 8000, classCounts: Array<number>(10).fill(800) } },
      ],
    });
    expect(wrapper.findAll('[role="radio"]').map((r) => r.text())).toEqual(['MNIST', 'Fashion-MNIST', 'Digits 8k']);
    expect(card(wrapper, 'mnist').find('[data-testid="train-count"]').exists()).toBe(false);
    expect(card(wrapper, 'mnist').find('[data-testid="test-count"]').exists()).toBe(false);
    expect(card(wrapper, 'digits-8k').get('[data-testid="train-count"]').text()).toBe('8,000 images');
    expect(card(wrapper, 'digits-8k').get('[data-testid="test-count"]').text()).toBe('200 images');
  });

  it('the desktop app imports the folder main’s dialog chose, with the name given first; no path crosses', async () => {
    const { wrapper, studio, data } = await openData();
    const form = wrapper.get('[data-testid="import-form"]');
    // This double says it is the desktop app: no file picker, the dialog instead.
    expect(form.find('[data-testid="import-files"]').exists()).toBe(false);
    expect(form.get('#import-files-hint').text()).toBe('A folder on this computer holding the four files. Give a name first if you like, then choose the folder.');
    await form.get('#import-name').setValue('My Digits');
    await form.get('[data-testid="browse"]').trigger('click');
    expect(form.get('[data-testid="import-problem"]').text()).toMatch(/^Use lower-case letters/);
    expect(form.get('#import-name').attributes('aria-invalid')).toBe('true');
    expect(studio.calls.filter((c) => c.method === 'datasets:importFromDialog')).toEqual([]);

    data.dialogFolder = null;
    await form.get('#import-name').setValue('my-digits');
    await form.get('[data-testid="browse"]').trigger('click');
    await settle();
    expect(form.find('[data-testid="import-done"]').exists()).toBe(false);
    data.dialogFolder = '/home/ada/Downloads/digits/';
    await form.get('[data-testid="browse"]').trigger('click');
    await settle();
    expect(studio.inputs('datasets:importFromDialog')).toEqual([
      { title: 'Choose the folder holding the four IDX files', name: 'my-digits' },
      { title: 'Choose the folder holding the four IDX files', name: 'my-digits' },
    ]);
    expect(studio.calls.some((c) => c.method === 'datasets:import')).toBe(false);
    expect(form.get('[data-testid="import-done"]').text()).toBe('my-digits was imported.');
    const mine = card(wrapper, 'my-digits');
    expect(mine.get('[role="radio"]').attributes('aria-checked')).toBe('true');
    expect(mine.get('.description').text()).toBe('Imported by you: four IDX files in the MNIST format.');
    expect(mine.get('[data-testid="origin"] code').text()).toBe('/home/ada/Downloads/digits/');
    expect(studio.settings.lastDatasetId).toBe('my-digits');
    expect(wrapper.findAll('[data-testid="sample-grid"] canvas')).toHaveLength(80);
  });

  it('a browser uploads the files it picked, in chunks, then imports the upload; a refused import names the file and the defect', async () => {
    const studio = new StudioDouble();
    studio.info = { ...studio.info, shell: 'web' };
    const { wrapper, data } = await openData({ studio });
    const form = wrapper.get('[data-testid="import-form"]');
    expect(form.find('[data-testid="browse"]').exists()).toBe(false);
    expect(form.get('#import-files-hint').text()).toMatch(/^The four files from this computer/);
    await form.trigger('submit');
    expect(form.get('[data-testid="import-problem"]').text()).toBe('Choose the four files, or a .zip holding them.');

    const input = form.get('[data-testid="import-files"]');
    const picked = FASHION_FILES.map((name, i) => new File([new Uint8Array(i === 0 ? 600_000 : 10)], name));
    Object.defineProperty(input.element, 'files', { value: picked, configurable: true });
    await input.trigger('change');
    expect(form.get('[data-testid="import-chosen"]').text()).toBe('Chosen: 4 (600 kB)');
    data.importError = { code: 'INTEGRITY', message: 'train-labels-idx1-ubyte.gz: label 12 at index 5 is not a class from 0 to 9' };
    await form.trigger('submit');
    await settle();
    expect(studio.inputs('uploads:begin')).toEqual([{ kind: 'dataset', files: picked.map((f) => ({ name: f.name, size: f.size })) }]);
    // 600,000 bytes go in two chunks (the cap is 512 KiB), the others in one each.
    expect(studio.inputs('uploads:chunk').map((c) => [c.file, c.offset, c.data.length])).toEqual([
      [FASHION_FILES[0], 0, 524_288],
      [FASHION_FILES[0], 524_288, 75_712],
      ...FASHION_FILES.slice(1).map((name) => [name, 0, 10]),
    ]);
    const error = form.get('[data-testid="error"]');
    expect(error.get('.callout-title').text()).toBe('The import failed');
    expect(error.text()).toContain('A file failed its integrity check.');
    expect(error.get('[data-testid="error-detail"]').text()).toBe('train-labels-idx1-ubyte.gz: label 12 at index 5 is not a class from 0 to 9');

    data.importError = null;
    await form.get('#import-name').setValue('fashion-copy');
    await form.trigger('submit');
    await settle();
    expect(studio.inputs('datasets:importUpload').at(-1)).toEqual({ uploadId: expect.stringMatching(/^[0-9]{24}$/), name: 'fashion-copy' });
    expect(form.get('[data-testid="import-done"]').text()).toBe('fashion-copy was imported.');
    expect(card(wrapper, 'fashion-copy').get('[role="radio"]').attributes('aria-checked')).toBe('true');
  });

  it('in Chinese: statuses, counts, units and Fashion-MNIST’s class names', async () => {
    const { wrapper } = await openData({
      locale: 'zh-CN',
      studio: new StudioDouble({ language: 'zh-CN', lastDatasetId: 'fashion-mnist' }),
      summaries: [readyDataset('mnist', HOME), readyDataset('fashion-mnist', HOME)],
    });
    const fashion = card(wrapper, 'fashion-mnist');
    expect(squash(fashion.get('[data-testid="dataset-status"]'))).toBe('已就绪');
    expect(fashion.get('[data-testid="train-count"]').text()).toBe('60,000 张');
    expect(fashion.get('[data-testid="size"]').text()).toBe('30.9 MB');
    const grid = wrapper.get('[data-testid="sample-grid"]');
    expect(grid.findAll('tbody th').map((th) => th.text())).toEqual(['T 恤/上衣', '裤子', '套头衫', '连衣裙', '外套', '凉鞋', '衬衫', '运动鞋', '包', '短靴']);
    expect(grid.get('tbody .strip').attributes('aria-label')).toBe('类别 T 恤/上衣 的 8 张训练图片');
    expect(wrapper.get('[data-testid="histograms"] [role="img"]').attributes('aria-label')).toMatch(/^训练集 · 60,000：每个类别 [\d,]+ 到 [\d,]+ 张$/);
  });

  it('without an engine, says the data sets cannot be listed, with the reason translated', async () => {
    mounted = await mountStudio({ studio: null, path: '/data' });
    const error = mounted.wrapper.get('[data-testid="error"]');
    expect(error.get('.callout-title').text()).toBe('The data sets cannot be listed');
    // A page with no engine client is web mode opened without its token: said so, with where to find the link.
    expect(error.get('[data-testid="error-no-token"]').text()).toContain('opened without its access token');
    expect(error.text()).not.toContain('Start the studio engine');
    expect(mounted.wrapper.find('[data-testid="dataset-card"]').exists()).toBe(false);
  });
});
