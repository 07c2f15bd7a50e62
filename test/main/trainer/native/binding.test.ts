/**
 * What the native path relies on in tfjs-node's binding, an internal
 * interface: checked here against the pinned tfjs-node, so an upgrade that
 * changes it fails these tests (and, at run time, the trainer's self-test
 * falls back to tfjs-layers).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTf } from '../../../../src/main/native';
import { nativeAccess, type NativeAttr } from '../../../../src/main/trainer/native/binding';
import { dtypeOf } from '../../../../src/main/trainer/native/graph';
import { ROOT } from '../../../helpers/project';

const tf = loadTf();
const { binding: b, idOf } = nativeAccess(tf);
const F = b.TF_FLOAT;
const type = (name: string, value: number): NativeAttr => ({ name, type: b.TF_ATTR_TYPE, value });

function variable(name: string, shape: number[]): number {
  return b.executeOp(
    'VarHandleOp',
    [
      type('dtype', F),
      { name: 'shape', type: b.TF_ATTR_SHAPE, value: shape },
      { name: 'container', type: b.TF_ATTR_STRING, value: '' },
      { name: 'shared_name', type: b.TF_ATTR_STRING, value: name },
    ],
    [],
    1,
  )[0]!.id;
}
const read = (handle: number) => b.executeOp('ReadVariableOp', [type('dtype', F)], [handle], 1)[0]!.id;
const destroy = (handle: number) => b.executeOp('DestroyResourceOp', [{ name: 'ignore_lookup_error', type: b.TF_ATTR_BOOL, value: false }], [handle], 0);

describe('tfjs-node’s native binding, as the native path uses it', () => {
  it('is the pinned tfjs-node 4.22.0, with every function and constant the path calls', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(pkg.dependencies['@tensorflow/tfjs-node']).toBe('4.22.0');
    expect(tf.version['tfjs-node']).toBe('4.22.0');
    for (const name of ['createTensor', 'deleteTensor', 'tensorDataSync', 'executeOp', 'getNumOfTensors'] as const) expect(typeof b[name]).toBe('function');
  });

  it('keeps a resource variable until DestroyResourceOp, which frees it: reads then fail and no handle is left', () => {
    const before = b.getNumOfTensors();
    const handle = variable('binding_test_var', [2, 3]);
    // A resource handle is a TF_RESOURCE tensor (tfjs would label it 'string': never wrap one as a tfjs tensor).
    const copy = b.executeOp('Identity', [type('T', b.TF_RESOURCE)], [handle], 1)[0]!;
    expect(copy.dtype).toBe(b.TF_RESOURCE);
    b.deleteTensor(copy.id);
    const init = b.createTensor([2, 3], F, Float32Array.of(1, 2, 3, 4, 5, 6));
    b.executeOp('AssignVariableOp', [type('dtype', F), { name: 'validate_shape', type: b.TF_ATTR_BOOL, value: false }], [handle, init], 0);
    b.deleteTensor(init);
    const grad = b.createTensor([2, 3], F, new Float32Array(6).fill(1));
    const lr = b.createTensor([], F, Float32Array.of(0.5));
    b.executeOp('ResourceApplyGradientDescent', [type('T', F), { name: 'use_locking', type: b.TF_ATTR_BOOL, value: false }], [handle, lr, grad], 0);
    const value = read(handle);
    expect(Array.from(b.tensorDataSync(value))).toEqual([0.5, 1.5, 2.5, 3.5, 4.5, 5.5]);
    for (const id of [value, grad, lr]) b.deleteTensor(id);

    destroy(handle);
    expect(() => read(handle)).toThrow(/Could not find variable binding_test_var/);
    // A new handle of the same name finds nothing either: the buffer is gone, not just this handle.
    const again = variable('binding_test_var', [2, 3]);
    expect(() => read(again)).toThrow(/Could not find variable/);
    expect(() => destroy(again)).toThrow(/does not exist/);
    b.deleteTensor(again);
    b.deleteTensor(handle);
    expect(b.getNumOfTensors()).toBe(before);
  });

  it('names an op it does not have in the error (what the self-test reports before falling back)', () => {
    expect(() => b.executeOp('ResourceApplyAdamNotInThisBinding', [], [], 0)).toThrow(/ResourceApplyAdamNotInThisBinding/);
  });

  it('takes list attributes as arrays (strides, ksize) and gives a tfjs tensor’s own handle to ops without copying it', () => {
    const x = tf.tensor4d(
      Float32Array.from({ length: 16 }, (_, i) => i),
      [1, 4, 4, 1],
    );
    const attrs: NativeAttr[] = [
      type('T', F),
      { name: 'ksize', type: b.TF_ATTR_INT, value: [1, 2, 2, 1] },
      { name: 'strides', type: b.TF_ATTR_INT, value: [1, 2, 2, 1] },
      { name: 'padding', type: b.TF_ATTR_STRING, value: 'VALID' },
      { name: 'data_format', type: b.TF_ATTR_STRING, value: 'NHWC' },
    ];
    const out = b.executeOp('MaxPool', attrs, [idOf(x)], 1)[0]!;
    expect(out.shape).toEqual([1, 2, 2, 1]);
    expect(Array.from(b.tensorDataSync(out.id))).toEqual([5, 7, 13, 15]);
    b.deleteTensor(out.id);
    // The handle stays tfjs's: the tensor still reads after the op, and disposing it frees the handle.
    expect(Array.from(x.dataSync()).slice(0, 3)).toEqual([0, 1, 2]);
    const live = b.getNumOfTensors();
    x.dispose();
    expect(b.getNumOfTensors()).toBe(live - 1);
  });

  it('reports a handle’s own dtype for an Identity of it, whatever its T (what a step graph’s placeholders are typed by)', () => {
    const ints = b.createTensor([3], b.TF_INT32, Int32Array.of(1, 2, 3));
    const floats = b.createTensor([2], F, Float32Array.of(1, 2));
    try {
      expect(dtypeOf(b, ints)).toBe(b.TF_INT32);
      expect(dtypeOf(b, floats)).toBe(F);
      expect(Array.from(b.tensorDataSync(ints))).toEqual([1, 2, 3]);
    } finally {
      b.deleteTensor(ints);
      b.deleteTensor(floats);
    }
  });

  it('has the SavedModel session functions step graphs use (graph.test.ts trains through them)', () => {
    for (const f of ['loadSavedModel', 'runSavedModel', 'deleteSavedModel', 'getNumOfSavedModels'] as const) expect(typeof b[f]).toBe('function');
  });
});
