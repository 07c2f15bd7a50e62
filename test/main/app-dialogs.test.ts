import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dispatch, type Caller } from '../../src/main/dispatch';
import { loadTf } from '../../src/main/native';
import { createStudio, type StudioDialogs } from '../../src/main/studio';
import { presetSpec } from '../../src/shared/model-spec';
import { mnistFixtureDir } from '../helpers/mnist-fixture';
import { saveToLibrary, testMetadata, trainBriefly } from '../helpers/models';
import { tmpDir } from '../helpers/tmp';

const DESKTOP: Caller = { shell: 'desktop', session: 'window-1' };

/** A dialog that answers what the test scripts, and records what it was asked: there is no Electron binary here. */
function scripted(answers: { folder?: string | null; file?: string | null; save?: string | null }) {
  const asked: unknown[] = [];
  const dialogs: StudioDialogs = {
    pickFolder: async (title) => {
      asked.push(['folder', title]);
      return answers.folder ?? null;
    },
    pickFile: async (title, filters) => {
      asked.push(['file', title, filters]);
      return answers.file ?? null;
    },
    pickSavePath: async (title, defaultName, filters) => {
      asked.push(['save', title, defaultName, filters]);
      return answers.save ?? null;
    },
    notify: (title, body) => {
      asked.push(['notify', title, body]);
      return true;
    },
  };
  return { asked, dialogs };
}

async function homeWithModel(): Promise<string> {
  const home = tmpDir();
  const tf = loadTf();
  const model = await trainBriefly(tf, presetSpec('mlp'), 64, 1);
  await saveToLibrary(tf, model, home, testMetadata('mlp', presetSpec('mlp'), { name: 'My MLP' }));
  model.dispose();
  return home;
}

describe('dialogs main opens for the desktop window', () => {
  it('answer UNAVAILABLE where there is no desktop shell', async () => {
    const studio = createStudio({ home: tmpDir(), shell: 'web' });
    expect(await dispatch(studio.handlers, 'models:saveAs', { id: 'mlp', format: 'onnx' }, DESKTOP)).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    expect(await dispatch(studio.handlers, 'app:notify', { title: 'Done' }, DESKTOP)).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    await studio.close();
  });

  it('models:saveAs: main asks where, writes there and answers only the file name; a closed dialog writes nothing', { timeout: 60_000 }, async () => {
    const home = await homeWithModel();
    const out = tmpDir();
    const target = path.join(out, 'digits.onnx');
    let script = scripted({ save: target });
    let studio = createStudio({ home, shell: 'electron', dialogs: script.dialogs });
    const res = await dispatch(studio.handlers, 'models:saveAs', { id: 'mlp', format: 'onnx', title: '导出模型', filterName: 'ONNX 模型' }, DESKTOP);
    expect(res).toEqual({ ok: true, value: { saved: 'digits.onnx' } });
    expect(script.asked).toEqual([['save', '导出模型', 'My-MLP.onnx', [{ name: 'ONNX 模型', extensions: ['onnx'] }]]]);
    expect(fs.statSync(target).size).toBeGreaterThan(400_000);
    // The dialog confirmed replacing the file: it is replaced whole.
    expect(await dispatch(studio.handlers, 'models:saveAs', { id: 'mlp', format: 'tfjs-zip' }, DESKTOP)).toEqual({ ok: true, value: { saved: 'digits.onnx' } });
    expect(fs.readFileSync(target).subarray(0, 2).toString()).toBe('PK');
    await studio.close();

    script = scripted({ save: null });
    studio = createStudio({ home, shell: 'electron', dialogs: script.dialogs });
    expect(await dispatch(studio.handlers, 'models:saveAs', { id: 'mlp', format: 'bundle' }, DESKTOP)).toEqual({ ok: true, value: { saved: null } });
    expect(fs.readdirSync(out)).toEqual(['digits.onnx']);
    await studio.close();
  });

  it('models:saveAs over a folder of the user’s (chosen in the dialog) is refused and the folder is intact', { timeout: 60_000 }, async () => {
    const home = await homeWithModel();
    const folder = path.join(tmpDir(), 'Photos');
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'holiday.jpg'), 'jpeg');
    const studio = createStudio({ home, shell: 'electron', dialogs: scripted({ save: folder }).dialogs });
    expect(await dispatch(studio.handlers, 'models:saveAs', { id: 'mlp', format: 'onnx' }, DESKTOP)).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', message: expect.stringContaining('not an earlier MNIST Studio export') },
    });
    expect(fs.readdirSync(folder)).toEqual(['holiday.jpg']);
    await studio.close();
  });

  it('datasets:importFromDialog and models:importFromDialog import what the dialog chose; null when it was closed', { timeout: 60_000 }, async () => {
    const home = await homeWithModel();
    const zip = path.join(tmpDir(), 'my-mlp.zip');
    let script = scripted({ folder: mnistFixtureDir(), file: zip, save: zip });
    let studio = createStudio({ home, shell: 'electron', dialogs: script.dialogs });
    expect(await dispatch(studio.handlers, 'models:saveAs', { id: 'mlp', format: 'tfjs-zip' }, DESKTOP)).toMatchObject({ ok: true });
    expect(await dispatch(studio.handlers, 'datasets:importFromDialog', { title: '选择文件夹', name: 'digits' }, DESKTOP)).toMatchObject({
      ok: true,
      value: { imported: { id: 'digits', status: 'ready' } },
    });
    expect(await dispatch(studio.handlers, 'models:importFromDialog', { from: 'zip', title: '导入模型', name: 'Again' }, DESKTOP)).toMatchObject({
      ok: true,
      value: { imported: { name: 'Again', source: 'imported' } },
    });
    expect(script.asked.slice(1)).toEqual([
      ['folder', '选择文件夹'],
      ['file', '导入模型', [{ name: 'ZIP, Keras', extensions: ['zip', 'keras', 'h5'] }]],
    ]);
    await studio.close();
    script = scripted({});
    studio = createStudio({ home, shell: 'electron', dialogs: script.dialogs });
    expect(await dispatch(studio.handlers, 'datasets:importFromDialog', {}, DESKTOP)).toEqual({ ok: true, value: { imported: null } });
    expect(await dispatch(studio.handlers, 'models:importFromDialog', { from: 'folder' }, DESKTOP)).toEqual({ ok: true, value: { imported: null } });
    expect(await dispatch(studio.handlers, 'app:notify', { title: '训练完成', body: '97%' }, DESKTOP)).toEqual({ ok: true, value: { shown: true } });
    await studio.close();
  });
});
