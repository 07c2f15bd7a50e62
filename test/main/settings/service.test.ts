import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NoticeEvent } from '../../../src/shared/events';
import { DEFAULT_SETTINGS, type SettingsEvent } from '../../../src/shared/settings';
import { dispatch, type Handlers } from '../../../src/main/dispatch';
import { EventHub } from '../../../src/main/event-hub';
import { settingsHandlers } from '../../../src/main/settings/handlers';
import { SettingsService } from '../../../src/main/settings/service';
import { confSettingsStore } from '../../../src/main/settings/store';
import { createStudio } from '../../../src/main/studio';
import { tmpDir } from '../../helpers/tmp';

const NOW = new Date('2026-11-30T10:20:30.456Z');
const STAMP = '2026-11-30T10-20-30-456Z';

interface Harness {
  home: string;
  file: string;
  settings: SettingsService;
  notices: NoticeEvent[];
  changes: SettingsEvent[];
  call(method: string, input?: unknown): ReturnType<typeof dispatch>;
}

function harness(home = tmpDir()): Harness {
  const events = new EventHub();
  // The names of moved-aside files come from this clock.
  const settings = new SettingsService({ dir: home, store: confSettingsStore, events, now: () => NOW });
  const handlers = settingsHandlers(settings) as Handlers;
  const notices: NoticeEvent[] = [];
  const changes: SettingsEvent[] = [];
  events.on('notice', (n) => notices.push(n));
  events.on('settings', (e) => changes.push(e));
  return {
    home,
    file: path.join(home, 'settings.json'),
    settings,
    notices,
    changes,
    // Through the dispatcher every transport uses, so inputs are validated as in the app.
    call: (method, input = {}) => dispatch(handlers, method, input, { shell: 'cli' }),
  };
}

function readJson(file: string): unknown {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/**
 * Runs `fn` with `dir` read-only for the process. Root ignores file modes,
 * so as root the process takes the `nobody` user's identity for the call.
 */
function withReadOnlyDir<T>(dir: string, fn: () => T): T {
  const isRoot = process.getuid?.() === 0;
  const mode = fs.statSync(dir).mode & 0o777;
  fs.chmodSync(dir, 0o555);
  if (isRoot) process.seteuid!(65534);
  try {
    return fn();
  } finally {
    if (isRoot) process.seteuid!(0);
    fs.chmodSync(dir, mode);
  }
}

const DEFAULTS = DEFAULT_SETTINGS;

describe('settings service with real files', () => {
  it('answers the defaults when there is no file, and does not create one by reading', async () => {
    const h = harness();
    expect(await h.call('settings:get')).toEqual({ ok: true, value: DEFAULTS });
    expect(fs.existsSync(h.file)).toBe(false);
    expect(h.notices).toEqual([]);
  });

  it('writes a partial update to settings.json, keeps the other fields and announces the change', async () => {
    const h = harness();
    const res = await h.call('settings:update', { language: 'zh-CN', mirrors: ['https://mirror.example.org/mnist'] });
    const expected = { ...DEFAULTS, language: 'zh-CN', mirrors: ['https://mirror.example.org/mnist/'] };
    expect(res).toEqual({ ok: true, value: expected });
    expect(readJson(h.file)).toEqual(expected);
    expect(h.changes).toEqual([{ kind: 'changed', settings: expected }]);

    await h.call('settings:update', { theme: 'dark', lastModelSpec: { preset: 'mlp', layers: [{ units: 128 }] } });
    const second = readJson(h.file) as typeof DEFAULTS;
    expect(second.language).toBe('zh-CN');
    expect(second.theme).toBe('dark');
    expect(second.lastModelSpec).toEqual({ preset: 'mlp', layers: [{ units: 128 }] });
    // A studio started later on the same home (the CLI, web mode) reads what this one wrote.
    const studio = createStudio({ home: h.home, shell: 'web' });
    expect(await dispatch(studio.handlers, 'settings:get', {}, { shell: 'cli' })).toEqual({ ok: true, value: second });
  });

  it('writes atomically: a new file renamed over the old one, no temporary file left behind', async () => {
    const h = harness();
    await h.call('settings:update', { theme: 'dark' });
    const before = fs.statSync(h.file).ino;
    await h.call('settings:update', { theme: 'light' });
    expect(fs.statSync(h.file).ino).not.toBe(before);
    expect(fs.readdirSync(h.home)).toEqual(['settings.json']);
  });

  it('neither writes nor announces an update that changes nothing', async () => {
    const h = harness();
    await h.call('settings:update', { theme: 'dark' });
    const ino = fs.statSync(h.file).ino;
    expect((await h.call('settings:update', { theme: 'dark' })).ok).toBe(true);
    expect(fs.statSync(h.file).ino).toBe(ino);
    expect(h.changes).toHaveLength(1);
  });

  it('keeps keys a newer release wrote, and fills fields the file lacks with defaults', async () => {
    const h = harness();
    fs.writeFileSync(h.file, JSON.stringify({ theme: 'dark', futureThing: { a: 1 } }));
    expect(await h.call('settings:get')).toEqual({ ok: true, value: { ...DEFAULTS, theme: 'dark' } });
    await h.call('settings:update', { language: 'en' });
    expect(readJson(h.file)).toEqual({ ...DEFAULTS, theme: 'dark', language: 'en', futureThing: { a: 1 } });
    expect(h.notices).toEqual([]);
  });

  const unusable: [string, (file: string) => void, { reason: string; field?: string }, RegExp][] = [
    ['truncated JSON', (f) => fs.writeFileSync(f, '{"language": "zh-CN", "theme": "da'), { reason: 'not-json' }, /not valid JSON/],
    ['a wrong type', (f) => fs.writeFileSync(f, JSON.stringify({ language: 'zh-CN', theme: 42 })), { reason: 'invalid-value', field: 'theme' }, /^theme: /],
    ['an unknown value', (f) => fs.writeFileSync(f, JSON.stringify({ language: 'klingon' })), { reason: 'invalid-value', field: 'language' }, /^language: /],
    [
      'a bad mirror',
      (f) => fs.writeFileSync(f, JSON.stringify({ mirrors: ['ftp://x.example/'] })),
      { reason: 'invalid-value', field: 'mirrors.0' },
      /^mirrors\.0: mirror URL must start with http/,
    ],
    ['a JSON array', (f) => fs.writeFileSync(f, '["theme", "dark"]'), { reason: 'not-json' }, /expected a JSON object, found an array/],
    ['JSON null', (f) => fs.writeFileSync(f, 'null'), { reason: 'not-json' }, /expected a JSON object, found null/],
    ['an empty file', (f) => fs.writeFileSync(f, ''), { reason: 'not-json' }, /not valid JSON/],
    ['a folder', (f) => fs.mkdirSync(path.join(f, 'inside'), { recursive: true }), { reason: 'folder' }, /it is a folder, not a file/],
  ];

  for (const [what, spoil, reason, problem] of unusable) {
    it(`moves a settings file with ${what} aside, uses the defaults and tells the user once`, async () => {
      const h = harness();
      spoil(h.file);
      const moved = path.join(h.home, `settings.json.corrupt-${STAMP}`);
      const isDir = fs.statSync(h.file).isDirectory();
      const bytes = isDir ? null : fs.readFileSync(h.file);

      expect(await h.call('settings:get')).toEqual({ ok: true, value: DEFAULTS });
      expect(fs.existsSync(h.file)).toBe(false);
      if (isDir) expect(fs.existsSync(path.join(moved, 'inside'))).toBe(true);
      else expect(fs.readFileSync(moved)).toEqual(bytes);
      expect(h.notices).toHaveLength(1);
      const notice = h.notices[0]!;
      expect(notice).toMatchObject({ kind: 'notice', level: 'warning', id: 'settingsReset', values: { file: moved, ...reason } });
      expect(notice.values?.field).toBe(reason.field);
      expect(String(notice.values?.problem)).toMatch(problem);
      expect(notice.message).toContain(moved);

      // The next read finds no file: defaults, and nothing more to say.
      expect(await h.call('settings:get')).toEqual({ ok: true, value: DEFAULTS });
      expect(h.notices).toHaveLength(1);
      // Settings can be saved again.
      expect((await h.call('settings:update', { theme: 'dark' })).ok).toBe(true);
      expect(readJson(h.file)).toEqual({ ...DEFAULTS, theme: 'dark' });
    });
  }

  it('keeps the notice of a file read before anyone listened until the next settings call', async () => {
    const h = harness();
    fs.writeFileSync(h.file, '{');
    // The desktop app reads the window bounds before it has a window.
    expect(h.settings.read()).toEqual(DEFAULTS);
    expect(h.notices).toEqual([]);
    await h.call('settings:get');
    expect(h.notices.map((n) => n.id)).toEqual(['settingsReset']);
  });

  it('an update over an unusable file moves it aside and applies the update to the defaults', async () => {
    const h = harness();
    fs.writeFileSync(h.file, JSON.stringify({ theme: 'dark', window: { width: 'wide' } }));
    const res = await h.call('settings:update', { language: 'zh-CN' });
    expect(res).toEqual({ ok: true, value: { ...DEFAULTS, language: 'zh-CN' } });
    expect(readJson(h.file)).toEqual({ ...DEFAULTS, language: 'zh-CN' });
    expect(readJson(path.join(h.home, `settings.json.corrupt-${STAMP}`))).toEqual({ theme: 'dark', window: { width: 'wide' } });
    expect(h.notices.map((n) => n.id)).toEqual(['settingsReset']);
  });

  it('names a second moved-aside file apart from the first', async () => {
    const h = harness();
    fs.writeFileSync(h.file, '{');
    await h.call('settings:get');
    fs.writeFileSync(h.file, '[');
    await h.call('settings:get');
    expect(fs.readdirSync(h.home).sort()).toEqual([`settings.json.corrupt-${STAMP}`, `settings.json.corrupt-${STAMP}-2`]);
    expect(fs.readFileSync(path.join(h.home, `settings.json.corrupt-${STAMP}-2`), 'utf8')).toBe('[');
  });

  it('in a read-only folder: an update fails with IO naming the file, and nothing changes', async () => {
    const h = harness();
    await h.call('settings:update', { theme: 'dark' });
    const before = fs.readFileSync(h.file, 'utf8');
    const res = await withReadOnlyDir(h.home, () => h.call('settings:update', { theme: 'light' }));
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.error.code).toBe('IO');
      expect(res.error.message).toContain(h.file);
    }
    expect(fs.readFileSync(h.file, 'utf8')).toBe(before);
    expect(fs.readdirSync(h.home)).toEqual(['settings.json']);
    expect((await h.call('settings:get')).ok && h.settings.read().theme).toBe('dark');
    expect(h.changes).toHaveLength(1);
  });

  it('in a read-only folder: an unusable file stays where it is, the defaults are used and the user is told once', async () => {
    const h = harness();
    fs.writeFileSync(h.file, '{"theme":');
    const first = await withReadOnlyDir(h.home, () => h.call('settings:get'));
    const second = await withReadOnlyDir(h.home, () => h.call('settings:get'));
    expect(first).toEqual({ ok: true, value: DEFAULTS });
    expect(second).toEqual({ ok: true, value: DEFAULTS });
    expect(fs.readFileSync(h.file, 'utf8')).toBe('{"theme":');
    expect(h.notices).toHaveLength(1);
    expect(h.notices[0]).toMatchObject({ level: 'error', id: 'settingsUnusable', values: { file: h.file } });
    expect(h.notices[0]!.message).toMatch(/could not be moved aside/);
  });
});

describe('settings:update refuses bad input with the field at fault, and writes nothing', () => {
  const bad: [string, unknown, string, RegExp][] = [
    ['a wrong type', { theme: 42 }, 'theme', /theme/],
    ['an unknown language', { language: 'fr' }, 'language', /language/],
    ['an unknown key', { colour: 'blue' }, 'colour', /unknown setting "colour" \(settings are: language, theme, mirrors/],
    ['an ftp mirror', { mirrors: ['ftp://example.org/mnist/'] }, 'mirrors.0', /mirror URL must start with http/],
    ['a mirror that is no URL', { mirrors: ['https://ok.example/', 'not a url'] }, 'mirrors.1', /mirror URL is not a URL/],
    ['a mirror with a password', { mirrors: ['https://ann:secret@example.org/'] }, 'mirrors.0', /user name or password/],
    ['a mirror with a query', { mirrors: ['https://example.org/?x=1'] }, 'mirrors.0', /query/],
    ['a mirror listed twice', { mirrors: ['https://example.org/m', 'https://example.org/m/'] }, 'mirrors.1', /listed twice/],
    ['mirrors that are no list', { mirrors: 'https://example.org/' }, 'mirrors', /mirrors/],
    ['too many mirrors', { mirrors: Array.from({ length: 17 }, (_, i) => `https://m${i}.example/`) }, 'mirrors', /at most 16/],
    ['a model spec that is a list', { lastModelSpec: [1, 2] }, 'lastModelSpec', /lastModelSpec/],
    ['hyperparameters holding something JSON cannot hold', { lastHyperparams: { lr: new Date(0) } }, 'lastHyperparams.lr', /lastHyperparams/],
    ['hyperparameters that are a string', { lastHyperparams: 'lr=0.001' }, 'lastHyperparams', /lastHyperparams/],
    ['a model spec too large', { lastModelSpec: { blob: 'x'.repeat(70_000) } }, 'lastModelSpec', /64 KiB/],
    ['a window too small', { window: { x: 0, y: 0, width: 10, height: 600, maximized: false } }, 'window.width', /window\.width/],
    ['a window with an extra key', { window: { x: 0, y: 0, width: 1000, height: 700, maximized: false, z: 1 } }, 'window.z', /z/],
    ['an empty dataset id', { lastDatasetId: '  ' }, 'lastDatasetId', /lastDatasetId/],
  ];

  for (const [what, input, field, message] of bad) {
    it(`${what}`, async () => {
      const h = harness();
      await h.call('settings:update', { theme: 'dark' });
      const before = fs.readFileSync(h.file, 'utf8');
      const res = await h.call('settings:update', input);
      expect(res.ok).toBe(false);
      if (res.ok) return;
      expect(res.error.code).toBe('INVALID_ARGUMENT');
      expect(res.error.field).toBe(field);
      expect(res.error.message).toMatch(message);
      expect(fs.readFileSync(h.file, 'utf8')).toBe(before);
      expect(h.changes).toHaveLength(1);
    });
  }

  it('settings:get takes no input', async () => {
    const res = await harness().call('settings:get', { theme: 'dark' });
    expect(res.ok).toBe(false);
  });
});
