import { describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/dispatch';
import { createStudio } from '../../src/main/studio';

describe('app:pickFolder', () => {
  it('answers UNAVAILABLE where there is no desktop shell (web mode, the CLI)', async () => {
    const studio = createStudio({ home: '/tmp/studio-home', shell: 'web' });
    expect(await dispatch(studio.handlers, 'app:pickFolder', {})).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', message: expect.stringContaining('type the folder') } });
  });

  it('asks the shell’s dialog with the translated title, and passes on a closed dialog as null', async () => {
    const asked: (string | undefined)[] = [];
    let answer: string | null = '/home/ada/mnist';
    const studio = createStudio({
      home: '/tmp/studio-home',
      shell: 'electron',
      dialogs: {
        pickFolder: async (title) => {
          asked.push(title);
          return answer;
        },
        pickFile: async () => null,
        pickSavePath: async () => null,
        notify: () => false,
      },
    });
    expect(await dispatch(studio.handlers, 'app:pickFolder', { title: '选择文件夹' })).toEqual({ ok: true, value: { path: '/home/ada/mnist' } });
    answer = null;
    expect(await dispatch(studio.handlers, 'app:pickFolder', {})).toEqual({ ok: true, value: { path: null } });
    expect(asked).toEqual(['选择文件夹', undefined]);
    expect(await dispatch(studio.handlers, 'app:pickFolder', { title: 'x'.repeat(201) })).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', field: 'title' } });
  });
});

describe('app:pickFile, app:pickSavePath and app:notify', () => {
  it('answer UNAVAILABLE in web mode, saying what to do instead', async () => {
    const studio = createStudio({ home: '/tmp/studio-home', shell: 'web' });
    expect(await dispatch(studio.handlers, 'app:pickFile', {})).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', message: expect.stringContaining('type the file') } });
    expect(await dispatch(studio.handlers, 'app:pickSavePath', {})).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', message: expect.stringContaining('browser downloads') } });
    expect(await dispatch(studio.handlers, 'app:notify', { title: 'Done' })).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
  });

  it('pass the title, filters and proposed name to the shell, and check them first', async () => {
    const asked: unknown[] = [];
    const studio = createStudio({
      home: '/tmp/studio-home',
      shell: 'electron',
      dialogs: {
        pickFolder: async () => null,
        pickFile: async (title, filters) => {
          asked.push(['file', title, filters]);
          return '/home/ada/model.zip';
        },
        pickSavePath: async (title, defaultName, filters) => {
          asked.push(['save', title, defaultName, filters]);
          return null;
        },
        notify: (title, body) => {
          asked.push(['notify', title, body]);
          return true;
        },
      },
    });
    const zip = [{ name: 'ZIP', extensions: ['zip'] }];
    expect(await dispatch(studio.handlers, 'app:pickFile', { title: '导入模型', filters: zip })).toEqual({ ok: true, value: { path: '/home/ada/model.zip' } });
    expect(await dispatch(studio.handlers, 'app:pickSavePath', { defaultName: 'mlp.onnx', filters: [{ name: 'ONNX', extensions: ['onnx'] }] })).toEqual({ ok: true, value: { path: null } });
    expect(await dispatch(studio.handlers, 'app:notify', { title: '训练完成', body: '97%' })).toEqual({ ok: true, value: { shown: true } });
    expect(asked).toEqual([
      ['file', '导入模型', zip],
      ['save', undefined, 'mlp.onnx', [{ name: 'ONNX', extensions: ['onnx'] }]],
      ['notify', '训练完成', '97%'],
    ]);
    expect(await dispatch(studio.handlers, 'app:pickSavePath', { defaultName: '../etc/passwd' })).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', field: 'defaultName' } });
    expect(await dispatch(studio.handlers, 'app:pickFile', { filters: [{ name: 'ZIP', extensions: ['.zip'] }] })).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', field: 'filters.0.extensions.0' } });
    expect(asked).toHaveLength(3);
  });
});
