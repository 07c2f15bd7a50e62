import type { Tensor } from '@tensorflow/tfjs-node';
import type { Tf } from '../native';
import type { SplitTensors } from './data';
import type { Forward, LossFn } from './model';

/** Rows per forward pass when evaluating: large enough to amortise dispatch, small enough for any model's activations. */
const EVAL_CHUNK = 1000;

/** Mean loss, accuracy, and the predicted class of each row (all rows, or `indices`), without training. */
export function predictSplit(
  tf: Tf,
  forward: Forward,
  loss: LossFn,
  split: SplitTensors,
  indices?: Int32Array,
): { loss: number; accuracy: number; labels: Uint8Array; predicted: Int32Array } {
  const count = indices ? indices.length : split.count;
  const predicted = new Int32Array(count);
  let lossSum = 0;
  for (let start = 0; start < count; start += EVAL_CHUNK) {
    const n = Math.min(EVAL_CHUNK, count - start);
    const [batchLoss, batchPred] = tf.tidy((): [Tensor, Tensor] => {
      let x: Tensor;
      let y: Tensor;
      if (indices) {
        const rows = tf.tensor1d(indices.subarray(start, start + n), 'int32');
        x = tf.gather(split.x, rows);
        y = tf.gather(split.y, rows);
      } else {
        x = tf.slice(split.x, start, n);
        y = tf.slice(split.y, start, n);
      }
      const logits = forward(x);
      return [loss(y, logits), tf.argMax(logits, 1)];
    });
    lossSum += batchLoss.dataSync()[0]! * n;
    predicted.set(batchPred.dataSync(), start);
    batchLoss.dispose();
    batchPred.dispose();
  }
  const labels = indices ? Uint8Array.from(indices, (i) => split.labels[i]!) : split.labels;
  let right = 0;
  for (let i = 0; i < count; i++) if (labels[i] === predicted[i]) right++;
  return { loss: count === 0 ? 0 : lossSum / count, accuracy: count === 0 ? 0 : right / count, labels, predicted };
}
