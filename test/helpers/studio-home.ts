import type { MethodInput, MethodName, MethodOutput } from '../../src/shared/api';
import type { NoticeEvent } from '../../src/shared/events';
import { presetSpec } from '../../src/shared/model-spec';
import type { TrainEvent } from '../../src/shared/training';
import { dispatch } from '../../src/main/dispatch';
import { createStudio, type Studio, type StudioOptions } from '../../src/main/studio';
import { mnistFixtureDir } from './mnist-fixture';

/** Calls a method through the dispatcher every transport uses; a failure throws with the error's message. */
export async function call<M extends MethodName>(studio: Studio, method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const res = await dispatch(studio.handlers, method, input, { shell: 'cli' });
  if (!res.ok) throw Object.assign(new Error(`${method}: ${res.error.code}: ${res.error.message}`), { apiError: res.error });
  return res.value as MethodOutput<M>;
}

/** The settings a user chose in the studio homes these tests build. */
export const USER_SETTINGS = { theme: 'dark', language: 'zh-CN', mirrors: ['https://mirror.example.org/mnist/'] } as const;

/** Resolves with the first train event of `studio` that ends a run. */
export function runEnd(studio: Studio): Promise<Extract<TrainEvent, { kind: 'done' | 'failed' }>> {
  return new Promise((resolve) => {
    const off = studio.events.on('train', (e) => {
      if (e.kind === 'done' || e.kind === 'failed') {
        off();
        resolve(e);
      }
    });
  });
}

/**
 * Fills `home` the way a user would have: settings chosen, the real-digit
 * fixture imported as dataset `digits`, and one finished run with its
 * saved model. Everything goes through the studio's own API.
 */
export async function buildStudioHome(home: string): Promise<void> {
  const studio = createStudio({ home, shell: 'web' });
  try {
    await call(studio, 'settings:update', { ...USER_SETTINGS, mirrors: [...USER_SETTINGS.mirrors] });
    await call(studio, 'datasets:import', { paths: [mnistFixtureDir()], name: 'digits' });
    const end = runEnd(studio);
    await call(studio, 'train:start', { dataset: { id: 'digits' }, model: presetSpec('mlp'), hyperparams: { epochs: 1, limit: 500, seed: 1 } });
    const e = await end;
    if (e.kind !== 'done') throw new Error(`the home's first run failed: ${e.reason}`);
  } finally {
    await studio.close();
  }
}

/** `value` with every mention of the folder `home` written as `<home>`, so the lists of two copies of a home compare equal. */
function homeless<T>(value: T, home: string): T {
  return JSON.parse(JSON.stringify(value).split(home).join('<home>')) as T;
}

/** What a studio started on `home` shows: the lists of every screen (paths in the home as `<home>/…`) and the notices it raised meanwhile. */
export async function studioState(home: string, options: Partial<StudioOptions> = {}) {
  const studio = createStudio({ home, shell: 'web', ...options });
  const notices: NoticeEvent[] = [];
  studio.events.on('notice', (n) => notices.push(n));
  try {
    return {
      settings: await call(studio, 'settings:get', {}),
      datasets: homeless(
        (await call(studio, 'datasets:list', {})).filter((d) => d.id === 'digits'),
        home,
      ),
      runs: homeless(await call(studio, 'runs:list', {}), home),
      models: homeless(await call(studio, 'models:list', {}), home),
      notices,
    };
  } finally {
    await studio.close();
  }
}
