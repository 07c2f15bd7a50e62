import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { dispatch } from '../../src/main/dispatch';
import { createStudio } from '../../src/main/studio';
import { buildStudioClient, type ClientTransport } from '../../src/shared/client';
import { METHOD_NAMES } from '../../src/shared/api';

/** Stands in for ipcRenderer, routed straight to the real dispatcher. */
function fakeIpcRenderer() {
  const studio = createStudio({ home: '/tmp/h', shell: 'electron' });
  const emitter = new EventEmitter();
  const ipc: ClientTransport = {
    invoke: (channel, input) => dispatch(studio.handlers, channel, input, { shell: 'cli' }),
    on: (channel, listener) => emitter.on(channel, listener),
    removeListener: (channel, listener) => emitter.removeListener(channel, listener),
  };
  return { ipc, emitter, studio };
}

describe('studio client (preload bridge and web client)', () => {
  it('exposes one function per API method, grouped by domain', async () => {
    const { ipc } = fakeIpcRenderer();
    const studio = buildStudioClient(ipc);
    for (const method of METHOD_NAMES) {
      const [domain, verb] = method.split(':') as [string, string];
      expect(typeof (studio as unknown as Record<string, Record<string, unknown>>)[domain]?.[verb]).toBe('function');
    }
    const res = await studio.app.info({});
    expect(res).toMatchObject({ ok: true, value: { productName: 'MNIST Studio' } });
    expect(Object.keys(studio)).not.toContain('invoke');
  });

  it('subscribes to an event stream and returns a working unsubscribe', () => {
    const { ipc, emitter } = fakeIpcRenderer();
    const studio = buildStudioClient(ipc);
    const listener = vi.fn();
    const off = studio.on('notice', listener);
    emitter.emit('event:notice', {}, { kind: 'notice', level: 'info', message: 'a' });
    off();
    emitter.emit('event:notice', {}, { kind: 'notice', level: 'info', message: 'b' });
    expect(listener).toHaveBeenCalledTimes(1);
    expect(listener).toHaveBeenCalledWith({ kind: 'notice', level: 'info', message: 'a' });
    expect(emitter.listenerCount('event:notice')).toBe(0);
  });

  it('refuses unknown event streams', () => {
    const { ipc } = fakeIpcRenderer();
    const studio = buildStudioClient(ipc);
    expect(() => studio.on('secrets' as 'notice', () => {})).toThrow(/unknown event stream: secrets/);
  });
});
