import { describe, expect, it } from 'vitest';
import { dispatch, type Handlers } from '../../src/main/dispatch';
import { createStudio } from '../../src/main/studio';
import { StudioError } from '../../src/shared/result';

const studio = createStudio({ home: '/tmp/studio-home', shell: 'web' });

describe('dispatch', () => {
  it('answers a valid call with the handler’s value', async () => {
    const res = await dispatch(studio.handlers, 'app:info', {}, { shell: 'cli' });
    expect(res.ok).toBe(true);
    if (res.ok) expect(res.value).toMatchObject({ productName: 'MNIST Studio', home: '/tmp/studio-home', shell: 'web' });
  });

  it('rejects unknown methods and non-string method names without throwing', async () => {
    for (const method of ['app:nope', 42, null, '__proto__', 'x'.repeat(10_000)]) {
      const res = await dispatch(studio.handlers, method, {}, { shell: 'cli' });
      expect(res).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', field: 'method' } });
      if (!res.ok) expect(res.error.message.length).toBeLessThan(120);
    }
  });

  it('rejects input that fails the schema, naming the field', async () => {
    const res = await dispatch(studio.handlers, 'app:info', { extra: 1 }, { shell: 'cli' });
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.error.code).toBe('INVALID_ARGUMENT');
      expect(res.error.message).toMatch(/^app:info: /);
    }
    const notObject = await dispatch(studio.handlers, 'app:info', 'hello', { shell: 'cli' });
    expect(notObject).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
  });

  it('names an empty or huge unknown key without echoing a megabyte back', async () => {
    expect(await dispatch(studio.handlers, 'app:info', { '': 1 }, { shell: 'cli' })).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', field: '""' } });
    const huge = await dispatch(studio.handlers, 'app:info', { ['k'.repeat(100_000)]: 1 }, { shell: 'cli' });
    expect(huge.ok).toBe(false);
    if (!huge.ok) {
      expect(huge.error.field).toMatch(/^k+…$/);
      expect(huge.error.message.length).toBeLessThan(1000);
    }
  });

  it('answers INVALID_ARGUMENT when reading the input throws, or it nests too deep to check', async () => {
    const hostile = new Proxy(
      {},
      {
        ownKeys: () => {
          throw new Error('no keys');
        },
      },
    );
    expect(await dispatch(studio.handlers, 'app:info', hostile, { shell: 'cli' })).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', field: 'input' } });
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(await dispatch(studio.handlers, 'settings:update', { lastModelSpec: deep }, { shell: 'cli' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', field: 'lastModelSpec.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a' },
    });
  });

  it('turns a StudioError into its code and any other throw into INTERNAL', async () => {
    const typed: Handlers = {
      ...studio.handlers,
      'app:info': async () => {
        throw new StudioError('NOT_FOUND', 'no such thing', 'id');
      },
    };
    expect(await dispatch(typed, 'app:info', {}, { shell: 'cli' })).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'no such thing', field: 'id' } });
    const broken: Handlers = {
      ...studio.handlers,
      'app:info': async () => {
        throw new TypeError('boom');
      },
    };
    expect(await dispatch(broken, 'app:info', {}, { shell: 'cli' })).toMatchObject({ ok: false, error: { code: 'INTERNAL', message: 'app:info failed: boom' } });
  });
});
