import { createRequire } from 'node:module';
import path from 'node:path';

import type * as TfNode from '@tensorflow/tfjs-node';

export type Tf = typeof TfNode;

const nodeRequire = createRequire(import.meta.url);
let loaded: Tf | null = null;

/**
 * Loads tfjs-node once. Only trainer processes and the CLI call this: the
 * main process of the app never runs TensorFlow (its ops are synchronous and
 * would freeze every window).
 */
/** Whether TensorFlow is loaded in this process (its thread settings are then fixed). */
export function tfLoaded(): boolean {
  return loaded !== null;
}

export function loadTf(): Tf {
  if (loaded) return loaded;
  // TensorFlow's C++ info lines are noise for users; warnings and errors
  // still show. oneDNN's kernels are on (TF_ENABLE_ONEDNN_OPTS=0 turns them
  // off): on two cores its convolutions and their gradients run 2–11× faster
  // than Eigen's (LeNet's first layer at batch 512: Conv2DBackpropFilter 31 →
  // 2.6 ms), the tfjs-layers path of the cnn ~1.7× faster, the native mlp the
  // same or faster; the same seed still gives the same losses bit for bit
  // (checked at one and two threads).
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  process.env.TF_ENABLE_ONEDNN_OPTS ??= '1';
  loaded = nodeRequire('@tensorflow/tfjs-node') as Tf;
  return loaded;
}

/** The libtensorflow version the native binding was built against and loaded. */
export function libtensorflowVersion(tf: Tf): string | null {
  const backend = tf.backend() as unknown as { binding?: { TF_Version?: unknown } };
  const version = backend.binding?.TF_Version;
  return typeof version === 'string' ? version : null;
}

export interface LibtensorflowProvenance {
  source: 'tensorflow-cpu-wheel' | 'tfjs-node-download';
  version: string;
  cache?: string;
  addon?: string;
  tried?: string[];
}

/** Where the install step took libtensorflow from (written by tools/tfjs-native), or null. */
export function readProvenance(): LibtensorflowProvenance | null {
  try {
    const native = nodeRequire('@mnist-studio/tfjs-native') as { readProvenance(dir: string): LibtensorflowProvenance | null };
    const tfjsNodeDir = path.dirname(nodeRequire.resolve('@tensorflow/tfjs-node/package.json'));
    return native.readProvenance(tfjsNodeDir);
  } catch {
    return null;
  }
}
