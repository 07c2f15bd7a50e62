import { describe, expect, it } from 'vitest';
import { csvField, toCsv } from '../../src/renderer/src/csv';

describe('CSV', () => {
  it('quotes a field with a comma, a quote or a line break, doubling quotes; leaves the rest as it is', () => {
    expect(csvField('mnist')).toBe('mnist');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\r')).toBe('"cr\r"');
    expect(csvField(0.125)).toBe('0.125');
    expect(csvField(null)).toBe('');
    expect(csvField(Number.NaN)).toBe('');
  });

  it('ends every line, the last too, in CRLF', () => {
    expect(
      toCsv([
        ['a', 'b'],
        [1, null],
      ]),
    ).toBe('a,b\r\n1,\r\n');
  });
});
