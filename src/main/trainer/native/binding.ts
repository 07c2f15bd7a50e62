/**
 * The part of tfjs-node's native binding (`tf.backend().binding`, the
 * NodeJSKernelBackend's TFE wrapper) that the native training path uses,
 * typed narrowly. It is an internal interface of tfjs-node: the version is
 * pinned (4.22.0) and test/main/trainer/native/binding.test.ts checks every
 * behaviour relied on here; a trainer that finds it missing or different
 * trains through tfjs-layers instead (see training-path.ts).
 */
import type { Tensor } from '@tensorflow/tfjs-node';
import type { Tf } from '../../native';

/** What `executeOp` returns for each output: an id in the binding's handle map. */
export interface NativeTensorInfo {
  id: number;
  shape: number[];
  dtype: number;
}

/** One op attribute. INT, FLOAT and BOOL take arrays for list attributes; SHAPE takes the dimensions. */
export interface NativeAttr {
  name: string;
  type: number;
  value: boolean | number | string | number[];
}

/** The binding's functions and constants used here (tfjs_binding.d.ts in tfjs-node 4.22). */
export interface NativeBinding {
  createTensor(shape: number[], dtype: number, data: Float32Array | Int32Array): number;
  deleteTensor(id: number): void;
  tensorDataSync(id: number): Float32Array | Int32Array | Uint8Array;
  executeOp(name: string, attrs: NativeAttr[], inputs: number[], outputs: number): NativeTensorInfo[];
  /** A session from a SavedModel folder (graph.ts writes one per compiled step); its id. */
  loadSavedModel(exportDir: string, tags: string): number;
  /** Runs a session: feeds (handles) by comma-separated tensor names, fetches by names; new handles. */
  runSavedModel(session: number, inputs: number[], inputNames: string, outputNames: string): NativeTensorInfo[];
  deleteSavedModel(session: number): void;
  /** Sessions open (what a test checks is back to where it was). */
  getNumOfSavedModels(): number;
  /** Every live handle, tfjs's own tensors included. */
  getNumOfTensors(): number;
  TF_FLOAT: number;
  TF_INT32: number;
  TF_INT64: number;
  TF_RESOURCE: number;
  TF_ATTR_STRING: number;
  TF_ATTR_INT: number;
  TF_ATTR_FLOAT: number;
  TF_ATTR_BOOL: number;
  TF_ATTR_TYPE: number;
  TF_ATTR_SHAPE: number;
}

/** The backend around the binding: it owns tfjs tensors' handles. */
interface KernelBackend {
  binding?: unknown;
  getInputTensorIds?: unknown;
}

const FUNCTIONS = ['createTensor', 'deleteTensor', 'tensorDataSync', 'executeOp', 'getNumOfTensors'] as const;
const CONSTANTS = ['TF_FLOAT', 'TF_INT32', 'TF_INT64', 'TF_RESOURCE', 'TF_ATTR_STRING', 'TF_ATTR_INT', 'TF_ATTR_FLOAT', 'TF_ATTR_BOOL', 'TF_ATTR_TYPE', 'TF_ATTR_SHAPE'] as const;

/** Access to the binding, and to the handle behind a tfjs tensor (so the dataset is not copied). */
export interface NativeAccess {
  binding: NativeBinding;
  /** The binding id of a tfjs tensor's data; it stays owned by tfjs (never delete it). */
  readonly idOf: (tensor: Tensor) => number;
}

/** The binding of the loaded tfjs-node, or an error saying what is missing (another tfjs-node version, or another backend). */
export function nativeAccess(tf: Tf): NativeAccess {
  const backend = tf.backend() as unknown as KernelBackend;
  const binding = backend.binding as Record<string, unknown> | undefined;
  if (!binding) throw new Error(`the ${tf.getBackend()} backend has no native binding`);
  const missing: string[] = [...FUNCTIONS.filter((name) => typeof binding[name] !== 'function'), ...CONSTANTS.filter((name) => typeof binding[name] !== 'number')];
  if (typeof backend.getInputTensorIds !== 'function') missing.push('getInputTensorIds (backend)');
  if (missing.length > 0) throw new Error(`tfjs-node's binding lacks ${missing.join(', ')}`);
  const getIds = backend.getInputTensorIds as (tensors: Tensor[]) => number[];
  return {
    binding: binding as unknown as NativeBinding,
    idOf: (tensor) => getIds.call(backend, [tensor])[0]!,
  };
}

/** Whether the binding runs SavedModel sessions (what graph steps need; without them every step runs op by op). */
export function hasSavedModels(b: NativeBinding): boolean {
  const r = b as unknown as Record<string, unknown>;
  return ['loadSavedModel', 'runSavedModel', 'deleteSavedModel', 'getNumOfSavedModels'].every((f) => typeof r[f] === 'function');
}
