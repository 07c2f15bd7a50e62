import { resolveObjectURL } from 'node:buffer';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { createMemoryHistory, type Router } from 'vue-router';
import { API, isMethodName, type MethodName, type MethodOutput, type MethodParsedInput, type StudioClient } from '../../src/shared/api';
import type { AppInfo } from '../../src/shared/app-info';
import { buildStudioClient } from '../../src/shared/client';
import { eventChannel, type EventName, type StudioEvents } from '../../src/shared/events';
import { SettingsFile, type Settings, type SettingsPatch } from '../../src/shared/settings';
import { fail, ok, StudioError, type ErrorCode, type Result } from '../../src/shared/result';
import App from '../../src/renderer/src/App.vue';
import { connectStudio } from '../../src/renderer/src/boot';
import { resetStudioClient } from '../../src/renderer/src/composables/useStudio';
import { createStudioI18n } from '../../src/renderer/src/i18n';
import type { Locale } from '../../src/shared/settings';
import { createStudioRouter, routes } from '../../src/renderer/src/router';
import { missingDatasets } from './datasets-double';

export const INFO: AppInfo = {
  name: 'mnist-studio',
  productName: 'MNIST Studio',
  version: '9.9.9',
  shell: 'electron',
  versions: { node: '22.1.0', electron: '45.5.0', chrome: '140.0.1', v8: '14.0' },
  platform: 'linux',
  arch: 'x64',
  cpus: 2,
  home: '/home/ada/.config/MNIST Studio',
};

type Listener = (event: unknown, payload: unknown) => void;

type Handler = (input: never) => Promise<unknown>;

/**
 * What the preload gives the page in the desktop app, with main's side kept
 * in memory: the real client builder, every input validated by the
 * contract's own schema as main's dispatcher does, settings held in an
 * object instead of a file (main's file handling has its own tests on real
 * files, and the e2e tests run the real thing).
 */
export class StudioDouble {
  settings: Settings;
  info: AppInfo = INFO;
  /** When set, settings:update fails with this code (a read-only disk, say). */
  failUpdates: ErrorCode | null = null;
  readonly calls: { method: string; input: unknown }[] = [];
  readonly listeners = new Map<string, Set<Listener>>();
  /** What the page uploaded, by upload id: each file's name and the bytes that arrived. */
  readonly uploaded = new Map<string, { kind: string; files: { name: string; bytes: number }[] }>();
  readonly client: StudioClient;
  private readonly handlers: Record<string, Handler>;

  constructor(settings: Partial<Settings> = {}) {
    this.settings = SettingsFile.parse(settings);
    this.handlers = {
      'app:info': async () => this.info,
      // A fresh studio home, so the Data screen (the first one shown) has its datasets; DatasetsDouble does the rest.
      'datasets:list': async () => missingDatasets(this.info.home),
      'settings:get': async () => this.settings,
      'uploads:begin': async ({ kind, files }: { kind: string; files: { name: string }[] }) => {
        const uploadId = String(this.uploaded.size).padStart(24, '0');
        this.uploaded.set(uploadId, { kind, files: files.map((f) => ({ name: f.name, bytes: 0 })) });
        return { uploadId };
      },
      'uploads:chunk': async ({ uploadId, file, data }: { uploadId: string; file: string; data: Uint8Array }) => {
        const entry = this.uploaded.get(uploadId)!.files.find((f) => f.name === file)!;
        entry.bytes += data.length;
        return { received: entry.bytes };
      },
      'uploads:cancel': async ({ uploadId }: { uploadId: string }) => ({ cancelled: this.uploaded.delete(uploadId) }),
      'settings:update': async (patch: SettingsPatch) => {
        if (this.failUpdates) throw new StudioError(this.failUpdates, `could not save the settings to ${this.info.home}/settings.json: EROFS`);
        this.settings = SettingsFile.parse({ ...this.settings, ...patch });
        this.emit('settings', { kind: 'changed', settings: this.settings });
        return this.settings;
      },
    };
    this.client = buildStudioClient({
      invoke: async (method, input) => {
        this.calls.push({ method, input });
        return this.answer(method, input);
      },
      on: (channel, listener) => {
        let set = this.listeners.get(channel);
        if (!set) this.listeners.set(channel, (set = new Set()));
        set.add(listener);
      },
      removeListener: (channel, listener) => {
        this.listeners.get(channel)?.delete(listener);
      },
    });
  }

  private async answer(method: string, input: unknown): Promise<Result<unknown>> {
    const handler = this.handlers[method];
    if (!isMethodName(method) || !handler) return fail('UNAVAILABLE', `${method} is not in this double`);
    const parsed = API[method].input.safeParse(input);
    if (!parsed.success) return fail('INVALID_ARGUMENT', parsed.error.issues[0]?.message ?? 'invalid input');
    try {
      return ok(await handler(parsed.data as never));
    } catch (err) {
      if (err instanceof StudioError) return { ok: false, error: err.toApiError() };
      throw err;
    }
  }

  /**
   * Answers one more method, for a screen's tests: its input is validated by
   * the contract first, as main's dispatcher does; a thrown StudioError
   * becomes `{ok:false}`.
   */
  respond<M extends MethodName>(method: M, handler: (input: MethodParsedInput<M>) => Promise<MethodOutput<M>> | MethodOutput<M>): this {
    this.handlers[method] = async (input: never) => handler(input);
    return this;
  }

  /** The inputs of every call of one method, in order. */
  inputs<M extends MethodName>(method: M): MethodParsedInput<M>[] {
    return this.calls.filter((c) => c.method === method).map((c) => API[method].input.parse(c.input) as MethodParsedInput<M>);
  }

  emit<E extends EventName>(event: E, payload: StudioEvents[E]): void {
    for (const listener of this.listeners.get(eventChannel(event)) ?? []) listener(null, payload);
  }

  listenerCount(event: EventName): number {
    return this.listeners.get(eventChannel(event))?.size ?? 0;
  }

  updates(): unknown[] {
    return this.calls.filter((c) => c.method === 'settings:update').map((c) => c.input);
  }
}

export interface Mounted {
  wrapper: VueWrapper;
  router: Router;
  studio: StudioDouble | null;
  disconnect: () => void;
}

/** Mounts the whole app as main.ts does, on a studio double (or none: no engine reachable). */
export async function mountStudio(options: { studio?: StudioDouble | null; path?: string; locale?: Locale } = {}): Promise<Mounted> {
  const studio = options.studio === undefined ? new StudioDouble() : options.studio;
  resetStudioClient();
  if (studio) window.studio = studio.client;
  else delete window.studio;
  const pinia = createPinia();
  setActivePinia(pinia);
  const router = createStudioRouter(createMemoryHistory());
  // Load every lazy view now, so a click navigates within a few ticks as it does in a built app.
  await Promise.all(routes.flatMap((r) => (typeof r.component === 'function' ? [(r.component as () => Promise<unknown>)()] : [])));
  const disconnect = await connectStudio(pinia);
  await router.push(options.path ?? '/');
  await router.isReady();
  const wrapper = mount(App, { global: { plugins: [pinia, createStudioI18n(options.locale ?? 'en'), router] }, attachTo: document.body });
  await settle();
  return { wrapper, router, studio, disconnect };
}

/** Lets lazy routes, promises and re-renders finish. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await flushPromises();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

export function cleanUp(mounted: Mounted | null): void {
  mounted?.wrapper.unmount();
  mounted?.disconnect();
  delete window.studio;
  resetStudioClient();
  document.body.innerHTML = '';
  delete document.documentElement.dataset.theme;
}

/** Files the page hands the user: the anchor it clicks, and the bytes behind its object URL. */
export function collectDownloads(): { name: string; type: string; text: () => Promise<string>; size: number }[] {
  const files: { name: string; type: string; text: () => Promise<string>; size: number }[] = [];
  document.addEventListener('click', (event) => {
    const a = event.target;
    if (!(a instanceof HTMLAnchorElement) || !a.download) return;
    const blob = resolveObjectURL(a.href);
    if (!blob) throw new Error(`no blob behind ${a.href}`);
    files.push({ name: a.download, type: blob.type, size: blob.size, text: () => blob.text() });
  });
  return files;
}
