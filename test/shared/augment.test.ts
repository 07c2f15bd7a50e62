import { describe, expect, it } from 'vitest';
import { Augment, AUGMENT_PRESET_VALUES, augmentIsOff, augmentPresetOf, formatAugment, parseAugment } from '../../src/shared/augment';
import { Hyperparams } from '../../src/shared/hyperparams';

describe('augmentation settings', () => {
  it('reads presets, pairs, and a preset with overrides', () => {
    expect(parseAugment('handwriting')).toEqual(AUGMENT_PRESET_VALUES.handwriting);
    expect(parseAugment('none')).toEqual(Augment.parse({}));
    expect(parseAugment('rotate=15, shift=3,scale=0.1')).toEqual(Augment.parse({ rotate: 15, shift: 3, scale: 0.1 }));
    expect(parseAugment('light,noise=0.1')).toEqual({ ...AUGMENT_PRESET_VALUES.light, noise: 0.1 });
  });

  it('names what is wrong', () => {
    expect(() => parseAugment('')).toThrow(/empty: give a preset \(none, light, handwriting\)/);
    expect(() => parseAugment('wobbly')).toThrow(/"wobbly" is not a preset/);
    expect(() => parseAugment('rotate=15,light')).toThrow(/a preset name comes first/);
    expect(() => parseAugment('spin=3')).toThrow(/"spin" is not an augmentation \(rotate, shift, scale, shear, elastic, thickness, noise\)/);
    expect(() => parseAugment('rotate=abc')).toThrow(/rotate=abc: not a number/);
    expect(() => parseAugment('rotate=')).toThrow(/rotate=: not a number/);
    expect(() => parseAugment('rotate=200')).toThrow(/rotate must be a number from 0 to 180/);
    expect(() => parseAugment('shift=-1')).toThrow(/shift must be a number from 0 to 14/);
    expect(() => parseAugment('shift=1,shift=2')).toThrow(/shift is given twice/);
  });

  it('tells presets from custom mixes and writes them back', () => {
    expect(augmentPresetOf(undefined)).toBe('none');
    expect(augmentIsOff(Augment.parse({}))).toBe(true);
    expect(augmentPresetOf(AUGMENT_PRESET_VALUES.light)).toBe('light');
    const custom = parseAugment('rotate=15,shift=3');
    expect(augmentPresetOf(custom)).toBeNull();
    expect(formatAugment(custom)).toBe('rotate=15,shift=3');
    expect(parseAugment(formatAugment(AUGMENT_PRESET_VALUES.handwriting))).toEqual(AUGMENT_PRESET_VALUES.handwriting);
  });

  it('is an optional hyperparameter, checked field by field', () => {
    expect(Hyperparams.parse({}).augment).toBeUndefined();
    expect(Hyperparams.parse({ augment: { rotate: 5 } }).augment).toEqual(Augment.parse({ rotate: 5 }));
    const bad = Hyperparams.safeParse({ augment: { noise: 2 } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.path).toEqual(['augment', 'noise']);
    expect(Hyperparams.safeParse({ augment: { twist: 1 } }).success).toBe(false);
  });
});
