import { resolveObjectURL } from 'node:buffer';
import type { VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import type { ModelEntry } from '../../src/shared/models';
import { StudioError } from '../../src/shared/result';
import { cleanUp, mountStudio, settle, StudioDouble, type Mounted } from './harness';
import { modelEntry } from './models-double';
import { fakeRun, summaryOf } from './runs-double';

let mounted: Mounted | null = null;

afterEach(() => {
  cleanUp(mounted);
  mounted = null;
});

const MODELS = [
  modelEntry('m2', { name: 'Fashion CNN', specName: 'cnn', datasetId: 'fashion-mnist', datasetName: 'Fashion-MNIST', testAccuracy: 0.88, createdAt: '2026-06-03T09:00:00.000Z' }),
  modelEntry('m1'),
  modelEntry('m0', { name: 'imported one', source: 'imported', runId: null, datasetId: null, datasetName: null, testAccuracy: null }),
];

async function openModels(options: { models?: ModelEntry[]; language?: 'en' | 'zh-CN'; shell?: 'electron' | 'web' } = {}) {
  const studio = new StudioDouble({ language: options.language ?? 'en' });
  if (options.shell) studio.info = { ...studio.info, shell: options.shell };
  let list = structuredClone(options.models ?? MODELS);
  studio
    .respond('models:list', () => list)
    // The run of m1 is kept; m2's was deleted.
    .respond('runs:list', () => [summaryOf(fakeRun({ id: 'run-m1', createdAt: '2026-06-02T08:00:00.000Z' }))])
    .respond('models:rename', ({ id, name }) => {
      const found = list.find((m) => m.id === id);
      if (!found) throw new StudioError('NOT_FOUND', `no model ${id}`, 'id');
      found.name = name;
      return { ...found };
    })
    .respond('models:delete', ({ id }) => {
      list = list.filter((m) => m.id !== id);
      return { id };
    })
    // The first layer of an mlp: 4 of 128 units, unit k's weights all (k − 1.5) / 2 (128 + 64·(k − 1.5) / 0.75 as bytes).
    .respond('models:firstLayer', ({ id, limit }) => ({
      firstLayer: {
        kind: 'dense' as const,
        index: 1,
        name: `${id}_dense1`,
        total: 128,
        shown: Math.min(4, limit),
        width: 28,
        height: 28,
        pixels: Uint8Array.from({ length: Math.min(4, limit) * 784 }, (_, p) => Math.round(128 + (Math.floor(p / 784) - 1.5) * 84)),
        scale: Float32Array.from([0.75, 0.75, 0.75, 0.75]),
      },
    }));
  mounted = await mountStudio({ studio, path: '/models' });
  return { wrapper: mounted.wrapper, router: mounted.router, studio };
}

const row = (wrapper: VueWrapper, id: string) => wrapper.get(`[data-testid="model-row"][data-model="${id}"]`);

describe('the Models screen', { timeout: 20_000 }, () => {
  it('shows what the first layer of the chosen model learned, and asks again for another model', async () => {
    const { wrapper, studio } = await openModels();
    await settle();
    expect(studio.inputs('models:firstLayer')).toEqual([{ id: 'm2', limit: 64 }]);
    const panel = wrapper.get('[data-testid="first-layer"]');
    expect(panel.text()).toContain('Weights of 4 of 128 units of the first dense layer, one 28×28 image per unit');
    expect(panel.get('canvas').attributes('aria-label')).toContain('4 of 128 units');
    await wrapper.get('[data-testid="first-layer-model"]').setValue('m1');
    await settle();
    expect(studio.inputs('models:firstLayer').at(-1)).toEqual({ id: 'm1', limit: 64 });
  });

  it('lists every model with its network, parameters, data set, accuracy, size and the run it came from', async () => {
    const { wrapper } = await openModels();
    expect(wrapper.findAll('[data-testid="model-row"]').map((r) => r.attributes('data-model'))).toEqual(['m2', 'm1', 'm0']);
    const cells = row(wrapper, 'm1')
      .findAll('td')
      .map((td) => td.text().replace(/\s+/g, ' '));
    expect(cells.slice(0, 9)).toEqual([
      'mlp · MNIST',
      'The tutorial’s MLPflatten → dense 128 relu → dense 64 relu → dense 10',
      '109,386',
      'MNIST',
      '97.3%',
      // Your hand: not evaluated on a personal set.
      '–',
      expect.stringMatching(/^Jun 2/),
      '440 kB',
      'Its run',
    ]);
    expect(row(wrapper, 'm2').findAll('td')[8]!.text()).toBe('Its run was deleted');
    expect(row(wrapper, 'm1').get('[data-testid="model-run"]').attributes('href')).toBe('/evaluate?run=run-m1');
    expect(row(wrapper, 'm1').get('[data-testid="model-try"]').attributes('href')).toBe('/playground?model=m1');
    expect(row(wrapper, 'm1').get('[data-testid="model-finetune"]').attributes('href')).toBe('/train?fromModel=m1');
    // An imported model has no run to link, nothing to fine-tune from, and no test accuracy yet.
    expect(row(wrapper, 'm0').text()).toContain('Imported');
    expect(row(wrapper, 'm0').find('[data-testid="model-finetune"]').exists()).toBe(false);
    // Every row has its actions in the same columns: a row that cannot be fine-tuned keeps that slot empty.
    const slots = (id: string) => row(wrapper, id).get('.row-actions').element.children.length;
    expect(slots('m0')).toBe(slots('m1'));
    expect(row(wrapper, 'm0').find('[data-testid="model-action-slot"]').exists()).toBe(true);
    // Rename is its own (text) icon, not the Playground's pencil nor a document.
    expect(row(wrapper, 'm1').get('[data-testid="rename"] svg').html()).toContain('M4 7V4h16v3');
    expect(row(wrapper, 'm0').get('[data-testid="model-accuracy"]').text()).toBe('–');
  });

  it('renames in place: refuses an empty or a duplicate name beside the field without asking the engine, Escape cancels, Enter saves', async () => {
    const { wrapper, studio } = await openModels();
    await row(wrapper, 'm1').get('[data-testid="rename"]').trigger('click');
    await settle();
    const input = row(wrapper, 'm1').get('[data-testid="rename-input"]');
    expect((input.element as HTMLInputElement).value).toBe('mlp · MNIST');
    await input.setValue('   ');
    await row(wrapper, 'm1').get('[data-testid="rename-form"]').trigger('submit');
    expect(row(wrapper, 'm1').get('[data-testid="rename-problem"]').text()).toBe('Enter a name.');
    expect(input.attributes('aria-invalid')).toBe('true');
    await input.setValue('fashion cnn');
    await row(wrapper, 'm1').get('[data-testid="rename-form"]').trigger('submit');
    expect(row(wrapper, 'm1').get('[data-testid="rename-problem"]').text()).toBe('Another model is already called that.');
    expect(studio.inputs('models:rename')).toEqual([]);
    await input.trigger('keydown', { key: 'Escape' });
    await settle();
    expect(row(wrapper, 'm1').get('[data-testid="model-name"]').text()).toBe('mlp · MNIST');

    await row(wrapper, 'm1').get('[data-testid="rename"]').trigger('click');
    await settle();
    await row(wrapper, 'm1').get('[data-testid="rename-input"]').setValue('  My best MLP ');
    await row(wrapper, 'm1').get('[data-testid="rename-form"]').trigger('submit');
    await settle();
    expect(studio.inputs('models:rename')).toEqual([{ id: 'm1', name: 'My best MLP' }]);
    expect(row(wrapper, 'm1').get('[data-testid="model-name"]').text()).toBe('My best MLP');
    expect(wrapper.get('[data-testid="toast"]').text()).toContain('Renamed to My best MLP.');
  });

  it('a rename the engine refuses is said in the user’s language, with the engine’s sentence', async () => {
    const { wrapper, studio } = await openModels({ language: 'zh-CN' });
    studio.respond('models:rename', () => {
      throw new StudioError('IO', '/home/ada/models/m1/metadata.json: EROFS: read-only file system', 'id');
    });
    await row(wrapper, 'm1').get('[data-testid="rename"]').trigger('click');
    await settle();
    await row(wrapper, 'm1').get('[data-testid="rename-input"]').setValue('新名字');
    await row(wrapper, 'm1').get('[data-testid="rename-form"]').trigger('submit');
    await settle();
    const error = wrapper.get('[data-testid="error"]');
    expect(error.attributes('data-code')).toBe('IO');
    expect(error.text()).toContain('无法重命名模型');
    expect(error.text()).toContain('无法读取或写入文件');
    expect(error.get('[data-testid="error-detail"]').text()).toContain('EROFS');
    // The field stays open with what was typed, to try again.
    expect((row(wrapper, 'm1').get('[data-testid="rename-input"]').element as HTMLInputElement).value).toBe('新名字');
  });

  it('deletes after asking; Cancel keeps it; a failed delete is said with its reason', async () => {
    const { wrapper, studio } = await openModels();
    await row(wrapper, 'm2').get('[data-testid="model-delete"]').trigger('click');
    await settle();
    const dialog = wrapper.get('[data-testid="delete-model-dialog"]');
    expect(dialog.text()).toContain('Fashion CNN will be deleted with its weights.');
    await dialog.get('[data-testid="delete-cancel"]').trigger('click');
    await settle();
    expect(studio.inputs('models:delete')).toEqual([]);
    expect(wrapper.findAll('[data-testid="model-row"]')).toHaveLength(3);

    await row(wrapper, 'm2').get('[data-testid="model-delete"]').trigger('click');
    await settle();
    await wrapper.get('[data-testid="delete-confirm"]').trigger('click');
    await settle();
    expect(studio.inputs('models:delete')).toEqual([{ id: 'm2' }]);
    expect(wrapper.find('[data-model="m2"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="toast"]').text()).toContain('Fashion CNN was deleted.');

    studio.respond('models:delete', () => {
      throw new StudioError('IO', '/home/ada/models/m1: EACCES: permission denied', 'id');
    });
    await row(wrapper, 'm1').get('[data-testid="model-delete"]').trigger('click');
    await settle();
    await wrapper.get('[data-testid="delete-confirm"]').trigger('click');
    await settle();
    const error = wrapper.get('[data-testid="error"]');
    expect(error.text()).toContain('The model could not be deleted');
    expect(error.text()).toContain('A file could not be read or written.');
    expect(error.get('[data-testid="error-detail"]').text()).toBe('/home/ada/models/m1: EACCES: permission denied');
    expect(wrapper.find('[data-model="m1"]').exists()).toBe(true);
  });

  it('exports through main’s save dialog in the chosen format, with translated labels; a closed dialog writes nothing', async () => {
    const { wrapper, studio } = await openModels({ shell: 'electron' });
    let answer: string | null = 'model.onnx';
    studio.respond('models:saveAs', () => ({ saved: answer }));
    await row(wrapper, 'm1').get('[data-testid="model-export"]').trigger('click');
    await settle();
    const dialog = wrapper.get('[data-testid="export-dialog"]');
    // One file each: the TF.js folder goes as its .zip.
    expect(dialog.findAll('input[type="radio"]').map((r) => r.attributes('value'))).toEqual(['tfjs-zip', 'onnx', 'keras', 'bundle', 'pytorch', 'keras-code']);
    await dialog.get('[data-testid="format-onnx"]').setValue(true);
    await dialog.get('form').trigger('submit');
    await settle();
    expect(studio.inputs('models:saveAs')).toEqual([{ id: 'm1', format: 'onnx', title: 'Export the model', filterName: 'ONNX' }]);
    expect(studio.calls.some((c) => c.method === 'models:export')).toBe(false);
    expect(wrapper.get('[data-testid="toast"]').text()).toContain('Exported mlp · MNIST as model.onnx.');

    answer = null;
    await row(wrapper, 'm1').get('[data-testid="model-export"]').trigger('click');
    await settle();
    await wrapper.get('[data-testid="export-dialog"] form').trigger('submit');
    await settle();
    expect(studio.inputs('models:saveAs')).toHaveLength(2);
    expect(wrapper.find('[data-testid="error"]').exists()).toBe(false);

    studio.respond('models:saveAs', () => {
      throw new StudioError('IO', '/media/usb/model.onnx: ENOSPC: no space left on device', 'path');
    });
    await wrapper.get('[data-testid="export-dialog"] form').trigger('submit');
    await settle();
    expect(wrapper.get('[data-testid="error"]').text()).toContain('The model could not be exported');
    expect(wrapper.get('[data-testid="error-detail"]').text()).toContain('ENOSPC');
  });

  it('in web mode offers the one-file formats and the browser downloads the file', async () => {
    const { wrapper, studio } = await openModels({ shell: 'web' });
    studio.respond('models:download', ({ format }) => ({ format, fileName: 'mlp-MNIST.zip', data: new Uint8Array([0x50, 0x4b, 3, 4]) }));
    const files: { name: string; size: number }[] = [];
    document.addEventListener('click', (event) => {
      const a = event.target;
      if (a instanceof HTMLAnchorElement && a.download) files.push({ name: a.download, size: resolveObjectURL(a.href)!.size });
    });
    await row(wrapper, 'm1').get('[data-testid="model-export"]').trigger('click');
    await settle();
    const dialog = wrapper.get('[data-testid="export-dialog"]');
    expect(dialog.findAll('input[type="radio"]').map((r) => r.attributes('value'))).toEqual(['tfjs-zip', 'onnx', 'keras', 'bundle', 'pytorch', 'keras-code']);
    expect(dialog.text()).toContain('Your browser downloads the file.');
    await dialog.get('form').trigger('submit');
    await settle();
    expect(studio.inputs('models:download')).toEqual([{ id: 'm1', format: 'tfjs-zip' }]);
    expect(files).toEqual([{ name: 'mlp-MNIST.zip', size: 4 }]);
    expect(studio.inputs('models:saveAs')).toEqual([]);
  });

  it('offers the run as a PyTorch or Keras script, in both languages', async () => {
    const { wrapper, studio } = await openModels({ shell: 'web', language: 'zh-CN' });
    studio.respond('models:download', ({ format }) => ({ format, fileName: 'mlp-MNIST-pytorch.py', data: new TextEncoder().encode('import torch\n') }));
    await row(wrapper, 'm1').get('[data-testid="model-export"]').trigger('click');
    await settle();
    const dialog = wrapper.get('[data-testid="export-dialog"]');
    expect(dialog.text()).toContain('PyTorch 脚本（.py）');
    expect(dialog.text()).toContain('用 PyTorch 搭建这个网络');
    expect(dialog.text()).toContain('Keras 脚本（.py）');
    await dialog.get('[data-testid="format-pytorch"]').setValue(true);
    await dialog.get('form').trigger('submit');
    await settle();
    expect(studio.inputs('models:download')).toEqual([{ id: 'm1', format: 'pytorch' }]);
    expect(wrapper.get('[data-testid="toast"]').text()).toContain('mlp-MNIST-pytorch.py');
  });

  it('a browser uploads the model files it picked, then imports the upload; checks first, names the file at fault when refused', async () => {
    const { wrapper, studio } = await openModels({ shell: 'web' });
    let refuse = true;
    studio.respond('models:importUpload', ({ name }) => {
      if (refuse) throw new StudioError('INTEGRITY', 'model.json: names weights.bin, which was not uploaded');
      return { ...modelEntry('m9', { name: name ?? 'upload', source: 'imported', runId: null }), evaluationError: null };
    });
    await wrapper.get('[data-testid="import-open"]').trigger('click');
    await settle();
    const form = wrapper.get('[data-testid="import-model-form"]');
    expect(form.text()).toContain('They are uploaded to the studio and checked there.');
    expect(form.find('[data-testid="import-browse-folder"]').exists()).toBe(false);
    await form.trigger('submit');
    expect(form.get('[data-testid="import-problem"]').text()).toBe('Choose model.json and its weight files, or a .zip.');
    const input = form.get('[data-testid="import-files"]');
    const picked = [new File(['{"modelTopology":{}}'], 'model.json'), new File([new Uint8Array(2000)], 'weights.bin')];
    Object.defineProperty(input.element, 'files', { value: picked, configurable: true });
    await input.trigger('change');
    await form.trigger('submit');
    await settle();
    expect(studio.inputs('uploads:begin')).toEqual([
      {
        kind: 'model',
        files: [
          { name: 'model.json', size: 20 },
          { name: 'weights.bin', size: 2000 },
        ],
      },
    ]);
    expect(form.get('[data-testid="error"]').text()).toContain('The model could not be imported');
    expect(form.get('[data-testid="error-detail"]').text()).toBe('model.json: names weights.bin, which was not uploaded');
    refuse = false;
    await form.get('[data-testid="import-name"]').setValue('Imported digits');
    await form.trigger('submit');
    await settle();
    expect(studio.inputs('models:importUpload').at(-1)).toEqual({ uploadId: expect.stringMatching(/^[0-9]{24}$/), name: 'Imported digits' });
    expect(studio.calls.some((c) => c.method === 'models:import')).toBe(false);
    expect(wrapper.findAll('[data-testid="model-row"]')[0]!.attributes('data-model')).toBe('m9');
    expect(wrapper.find('[data-testid="import-model-form"]').exists()).toBe(false);
  });

  it('says what an import measured: the test accuracy on its data set, or why it was not scored (issue 15, item 6)', async () => {
    const { wrapper, studio } = await openModels({ shell: 'electron' });
    let answer: 'scored' | 'failed' = 'scored';
    studio.respond('models:importFromDialog', () => {
      const entry = modelEntry('m9', { name: 'model', source: 'imported', runId: null });
      return answer === 'scored'
        ? { imported: { ...entry, datasetId: 'fashion-mnist', datasetName: 'fashion', testAccuracy: 0.8512, evaluationError: null } }
        : { imported: { ...entry, datasetId: null, datasetName: null, testAccuracy: null, evaluationError: 'dataset "nope" is not installed' } };
    });
    await wrapper.get('[data-testid="import-open"]').trigger('click');
    await settle();
    await wrapper.get('[data-testid="import-browse-zip"]').trigger('click');
    await settle();
    expect(wrapper.get('[data-testid="toast"]').text()).toContain('Imported model: 85.12% test accuracy on Fashion-MNIST.');
    answer = 'failed';
    await wrapper.get('[data-testid="import-open"]').trigger('click');
    await settle();
    await wrapper.get('[data-testid="import-browse-zip"]').trigger('click');
    await settle();
    const toasts = wrapper.findAll('[data-testid="toast"]').map((t) => t.text());
    expect(toasts.some((t) => t.includes('Imported model, but it could not be scored on a test set.') && t.includes('dataset "nope" is not installed'))).toBe(true);
  });

  it('the desktop app imports what main’s folder or .zip dialog chose, with translated titles; a closed dialog adds nothing', async () => {
    const { wrapper, studio } = await openModels({ shell: 'electron', language: 'zh-CN' });
    studio.respond('models:importFromDialog', ({ from }) => ({
      imported: from === 'zip' ? { ...modelEntry('m9', { name: 'model', source: 'imported', runId: null }), evaluationError: null } : null,
    }));
    await wrapper.get('[data-testid="import-open"]').trigger('click');
    await settle();
    expect(wrapper.find('[data-testid="import-files"]').exists()).toBe(false);
    await wrapper.get('[data-testid="import-browse-folder"]').trigger('click');
    await settle();
    expect(wrapper.find('[data-testid="import-model-form"]').exists()).toBe(true);
    await wrapper.get('[data-testid="import-browse-zip"]').trigger('click');
    await settle();
    expect(studio.inputs('models:importFromDialog')).toEqual([
      { from: 'folder', title: '选择 TF.js 模型文件夹' },
      { from: 'zip', title: '选择 TF.js 模型压缩包或 Keras .keras / .h5 文件' },
    ]);
    expect(wrapper.findAll('[data-testid="model-row"]')[0]!.attributes('data-model')).toBe('m9');
    expect(wrapper.find('[data-testid="import-model-form"]').exists()).toBe(false);
  });
});
