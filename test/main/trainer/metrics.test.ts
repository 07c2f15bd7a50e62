import { describe, expect, it } from 'vitest';
import { buildEvaluation, classMetrics, confusionMatrix } from '../../../src/main/trainer/metrics';

describe('evaluation metrics', () => {
  it('counts the confusion matrix by label (rows) and prediction (columns)', () => {
    const m = confusionMatrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0], 3);
    expect(m).toEqual([
      [1, 1, 0],
      [0, 1, 0],
      [1, 0, 2],
    ]);
  });

  it('gives per-class precision, recall and F1 as sklearn does, 0 where nothing is predicted', () => {
    const perClass = classMetrics([
      [1, 1, 0],
      [0, 1, 0],
      [1, 0, 2],
    ]);
    // class 0: tp 1, predicted 2, support 2; class 1: tp 1, predicted 2, support 1; class 2: tp 2, predicted 2, support 3.
    expect(perClass[0]).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(perClass[1]!.precision).toBe(0.5);
    expect(perClass[1]!.recall).toBe(1);
    expect(perClass[1]!.f1).toBeCloseTo(2 / 3, 12);
    expect(perClass[2]!.f1).toBeCloseTo(0.8, 12);
    expect(
      classMetrics([
        [0, 0],
        [1, 0],
      ])[1],
    ).toEqual({ precision: 0, recall: 0, f1: 0, support: 1 });
  });

  it('lists the misclassified test images with label and prediction', () => {
    const ev = buildEvaluation(Uint8Array.from([3, 1, 4, 1, 5]), Int32Array.from([3, 7, 4, 1, 6]), 0.25, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(ev.accuracy).toBe(0.6);
    expect(ev.count).toBe(5);
    expect(ev.loss).toBe(0.25);
    expect(ev.misclassified).toEqual([
      { index: 1, label: 1, predicted: 7 },
      { index: 4, label: 5, predicted: 6 },
    ]);
    expect(ev.confusion).toHaveLength(10);
    expect(ev.confusion.flat().reduce((a, b) => a + b, 0)).toBe(5);
  });
});
