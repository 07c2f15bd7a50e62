import { describe, expect, it } from 'vitest';
import { decodeWire, encodeWire } from '../../src/shared/wire';

describe('wire encoding', () => {
  it('round-trips typed arrays inside plain JSON, including unaligned views', () => {
    const backing = new Uint8Array([9, 1, 2, 3, 4, 5, 6, 7, 8]);
    const value = {
      pixels: new Uint8Array([0, 127, 255]),
      probs: new Float32Array([0.1, 0.9]),
      ids: new Int32Array([-1, 2 ** 30]),
      view: new Uint8Array(backing.buffer, 1, 4),
      nested: [{ n: 1, s: 'x' }],
    };
    const back = decodeWire(encodeWire(value)) as typeof value;
    expect(back.pixels).toEqual(new Uint8Array([0, 127, 255]));
    expect(back.probs).toEqual(new Float32Array([0.1, 0.9]));
    expect(back.ids).toEqual(new Int32Array([-1, 2 ** 30]));
    expect(back.view).toEqual(new Uint8Array([1, 2, 3, 4]));
    expect(back.nested).toEqual([{ n: 1, s: 'x' }]);
  });
});
