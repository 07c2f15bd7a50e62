import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appendLosses, emptyLossHistory, lossHistoryPoints, lossHistorySteps } from '../../src/shared/loss-history';

describe('LossHistory', () => {
  it('keeps every batch loss up to its cap, one point per step', () => {
    const h = emptyLossHistory();
    appendLosses(h, [3, 2, 1], 4);
    expect(h).toEqual({ every: 1, values: [3, 2, 1], lastCount: 1 });
    expect(lossHistoryPoints(h)).toEqual([
      { x: 1, y: 3 },
      { x: 2, y: 2 },
      { x: 3, y: 1 },
    ]);
  });

  it('past its cap keeps bucket means: the overall mean, the step count and the bound hold for any stream', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 400 }), fc.integer({ min: 2, max: 16 }), fc.integer({ min: 1, max: 7 }), (raw, cap, chunk) => {
        const losses = raw.map((v) => v / 100);
        const h = emptyLossHistory();
        for (let i = 0; i < losses.length; i += chunk) appendLosses(h, losses.slice(i, i + chunk), cap);
        expect(h.values.length).toBeLessThanOrEqual(cap);
        expect(lossHistorySteps(h)).toBe(losses.length);
        if (losses.length === 0) return;
        const weighted = h.values.reduce((sum, v, i) => sum + v * (i === h.values.length - 1 ? h.lastCount : h.every), 0);
        expect(weighted / losses.length).toBeCloseTo(losses.reduce((a, b) => a + b, 0) / losses.length, 6);
        // Each bucket is the mean of exactly its own batches.
        h.values.forEach((v, i) => {
          const own = losses.slice(i * h.every, i * h.every + (i === h.values.length - 1 ? h.lastCount : h.every));
          expect(v).toBeCloseTo(own.reduce((a, b) => a + b, 0) / own.length, 6);
        });
      }),
    );
  });
});
