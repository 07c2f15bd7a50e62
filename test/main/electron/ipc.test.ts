import { describe, expect, it } from 'vitest';
import { bindIpc, type IpcMainLike } from '../../../src/main/electron/ipc';
import type { IpcSender } from '../../../src/main/electron/security';
import { createStudio } from '../../../src/main/studio';
import { METHOD_NAMES } from '../../../src/shared/api';
import type { Result } from '../../../src/shared/result';

type Handler = (event: IpcSender, input: unknown) => Promise<Result<unknown>>;

/** Stands in for ipcMain: records the handlers bindIpc installs. */
class FakeIpcMain implements IpcMainLike {
  handlers = new Map<string, Handler>();
  handle(channel: string, listener: Handler) {
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  }
}

const trusted: IpcSender = { sender: { id: 1 }, senderFrame: { url: 'file:///app/index.html', parent: null } };
const foreign: IpcSender = { sender: { id: 2 }, senderFrame: { url: 'https://evil.example/', parent: null } };

describe('bindIpc', () => {
  it('handles every method, answers the app’s window and refuses any other sender', async () => {
    const ipc = new FakeIpcMain();
    const studio = createStudio({ home: '/tmp/h', shell: 'electron' });
    const unbind = bindIpc(
      ipc,
      studio,
      (e) => e.sender.id === 1,
      () => [],
    );
    expect([...ipc.handlers.keys()].sort()).toEqual([...METHOD_NAMES].sort());
    const info = ipc.handlers.get('app:info')!;
    expect(await info(trusted, {})).toMatchObject({ ok: true, value: { shell: 'electron', home: '/tmp/h' } });
    expect(await info(foreign, {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await info(trusted, { injected: true })).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    unbind();
    expect(ipc.handlers.size).toBe(0);
  });

  it('forwards event streams to the app’s windows until unbound', () => {
    const ipc = new FakeIpcMain();
    const studio = createStudio({ home: '/tmp/h', shell: 'electron' });
    const sent: [string, unknown][] = [];
    const unbind = bindIpc(
      ipc,
      studio,
      () => true,
      () => [{ send: (channel, payload) => sent.push([channel, payload]) }],
    );
    studio.events.emit('notice', { kind: 'notice', level: 'info', message: 'hello' });
    unbind();
    studio.events.emit('notice', { kind: 'notice', level: 'info', message: 'after unbind' });
    expect(sent).toEqual([['event:notice', { kind: 'notice', level: 'info', message: 'hello' }]]);
  });
});
