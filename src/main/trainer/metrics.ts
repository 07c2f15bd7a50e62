/** Test-set results from labels and predictions: plain arithmetic, no TensorFlow. */
import { NUM_CLASSES } from '@shared/datasets';
import type { ClassMetrics, Evaluation, Misclassified } from '@shared/training';

/** confusion[label][predicted]. */
export function confusionMatrix(labels: ArrayLike<number>, predicted: ArrayLike<number>, classes = NUM_CLASSES): number[][] {
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < labels.length; i++) m[labels[i]!]![predicted[i]!]! += 1;
  return m;
}

/** Precision, recall and F1 per class; 0 where a ratio has nothing to divide by (sklearn's zero_division=0). */
export function classMetrics(confusion: number[][]): ClassMetrics[] {
  return confusion.map((row, c) => {
    const tp = row[c]!;
    const support = row.reduce((a, b) => a + b, 0);
    const predictedAs = confusion.reduce((sum, r) => sum + r[c]!, 0);
    const precision = predictedAs === 0 ? 0 : tp / predictedAs;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { precision, recall, f1, support };
  });
}

export function buildEvaluation(labels: ArrayLike<number>, predicted: ArrayLike<number>, loss: number, classNames: readonly string[]): Evaluation {
  if (labels.length !== predicted.length) throw new Error(`${labels.length} labels but ${predicted.length} predictions`);
  const confusion = confusionMatrix(labels, predicted);
  const misclassified: Misclassified[] = [];
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== predicted[i]) misclassified.push({ index: i, label: labels[i]!, predicted: predicted[i]! });
  }
  return {
    loss,
    accuracy: labels.length === 0 ? 0 : (labels.length - misclassified.length) / labels.length,
    count: labels.length,
    classNames: [...classNames],
    perClass: classMetrics(confusion),
    confusion,
    misclassified,
  };
}
