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
      },
    });
    expect(await dispatch(studio.handlers, 'app:pickFolder', { title: '选择文件夹' })).toEqual({ ok: true, value: { path: '/home/ada/mnist' } });
    answer = null;
    expect(await dispatch(studio.handlers, 'app:pickFolder', {})).toEqual({ ok: true, value: { path: null } });
    expect(asked).toEqual(['选择文件夹', undefined]);
    expect(await dispatch(studio.handlers, 'app:pickFolder', { title: 'x'.repeat(201) })).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', field: 'title' } });
  });
});
