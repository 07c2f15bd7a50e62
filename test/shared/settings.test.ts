import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { mirrorUrlProblem, normalizeMirrorUrl, readSlot, SettingsFile, SettingsPatch } from '../../src/shared/settings';

describe('mirror URLs', () => {
  it('names what is wrong with each kind of bad URL', () => {
    expect(mirrorUrlProblem('')).toBe('empty');
    expect(mirrorUrlProblem('   ')).toBe('empty');
    expect(mirrorUrlProblem('mirror.example.org/mnist')).toBe('not-a-url');
    expect(mirrorUrlProblem('ftp://mirror.example.org/')).toBe('protocol');
    expect(mirrorUrlProblem('file:///srv/mnist/')).toBe('protocol');
    expect(mirrorUrlProblem('https://u:p@mirror.example.org/')).toBe('credentials');
    expect(mirrorUrlProblem('https://mirror.example.org/?sig=1')).toBe('query');
    expect(mirrorUrlProblem('https://mirror.example.org/#files')).toBe('query');
    expect(mirrorUrlProblem(`https://m.example/${'a'.repeat(2100)}`)).toBe('too-long');
    expect(mirrorUrlProblem(' http://127.0.0.1:8080/mnist ')).toBeNull();
  });

  it('stores a base URL with a trailing slash so file names join under its path', () => {
    const base = normalizeMirrorUrl(' https://Mirror.example.org/data/mnist ');
    expect(base).toBe('https://mirror.example.org/data/mnist/');
    expect(new URL('train-images-idx3-ubyte.gz', base).href).toBe('https://mirror.example.org/data/mnist/train-images-idx3-ubyte.gz');
  });
});

describe('stored slots (last model spec, last hyperparameters)', () => {
  const Hyper = z.strictObject({ lr: z.number().positive(), epochs: z.number().int() });

  it("are read with their owner's schema, and a value that no longer fits reads as null, not as a broken file", () => {
    expect(readSlot(Hyper, { lr: 0.001, epochs: 5 })).toEqual({ lr: 0.001, epochs: 5 });
    expect(readSlot(Hyper, { lr: 0.001, epochs: 5, momentum: 0.9 })).toBeNull();
    expect(readSlot(Hyper, null)).toBeNull();
    expect(SettingsFile.safeParse({ lastHyperparams: { lr: 'old format' } }).success).toBe(true);
  });
});

describe('the settings file schema', () => {
  it('reads an empty object as the defaults, and refuses a settings version it does not know', () => {
    expect(SettingsFile.parse({})).toMatchObject({ version: 1, language: 'system', theme: 'system', mirrors: [] });
    expect(SettingsFile.safeParse({ version: 2 }).success).toBe(false);
  });

  it('the patch names an unknown key and the known ones', () => {
    const res = SettingsPatch.safeParse({ colour: 'blue' });
    expect(res.success).toBe(false);
    expect(res.error?.issues[0]?.message).toBe('unknown setting "colour" (settings are: language, theme, mirrors, lastDatasetId, lastModelSpec, lastHyperparams, window)');
  });
});
