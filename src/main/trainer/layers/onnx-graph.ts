/**
 * The ONNX graph a library model's layers write themselves into (see each
 * layer module's `onnx`), with the protobufjs code of the official
 * onnx.proto that `onnx-proto` carries. TF.js is NHWC, ONNX's Conv and
 * pooling are NCHW: the graph tracks the current layout and transposes
 * only when a layer needs the other one.
 */
import { createRequire } from 'node:module';
import type * as OnnxProto from 'onnx-proto';
import type { Activation } from '@shared/model-spec';

const nodeRequire = createRequire(import.meta.url);
// onnx-proto is CommonJS whose exports a named ESM import cannot see.
export const { onnx } = nodeRequire('onnx-proto') as typeof OnnxProto;

export function tensor(name: string, dims: number[], data: Float32Array): OnnxProto.onnx.ITensorProto {
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) };
}

export function ints(name: string, values: number[]): OnnxProto.onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: values };
}

export function int(name: string, value: number): OnnxProto.onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
}

export function float(name: string, value: number): OnnxProto.onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: value };
}

/** [kh, kw, cin, cout] (TF.js) → [cout, cin, kh, kw] (ONNX). */
export function convKernelToOihw(kernel: Float32Array, kh: number, kw: number, cin: number, cout: number): Float32Array {
  const out = new Float32Array(kernel.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < cin; i++) {
        for (let o = 0; o < cout; o++) out[((o * cin + i) * kh + y) * kw + x] = kernel[((y * kw + x) * cin + i) * cout + o]!;
      }
    }
  }
  return out;
}

/** TensorFlow's "same" padding: the extra pixel, when the total is odd, goes at the end (ONNX's SAME_UPPER), given explicitly. */
export function samePads(size: number, kernel: number, stride: number): [number, number] {
  const total = Math.max((Math.ceil(size / stride) - 1) * stride + kernel - size, 0);
  const begin = Math.floor(total / 2);
  return [begin, total - begin];
}

const ACTIVATION_OPS: Record<Exclude<Activation, 'linear'>, string> = { relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh' };

/** The graph being written: its nodes and initializers, the current output's name and layout. */
export class OnnxGraph {
  readonly nodes: OnnxProto.onnx.INodeProto[] = [];
  readonly initializer: OnnxProto.onnx.ITensorProto[] = [];
  current = 'input';
  layout: 'NHWC' | 'NCHW' | 'flat' = 'NHWC';

  node(opType: string, inputs: string[], name: string, attribute: OnnxProto.onnx.IAttributeProto[] = []): void {
    this.nodes.push({ opType, input: inputs, output: [name], name, attribute });
    this.current = name;
  }
  weight(name: string, dims: number[], data: Float32Array): string {
    this.initializer.push(tensor(name, dims, data));
    return name;
  }
  activate(activation: Activation, prefix: string): void {
    if (activation !== 'linear') this.node(ACTIVATION_OPS[activation], [this.current], `${prefix}_${activation}`);
  }
  /** Image layers run NCHW: transpose once, when the first one comes. */
  toNchw(prefix: string): void {
    if (this.layout === 'NHWC') this.node('Transpose', [this.current], `${prefix}_to_nchw`, [ints('perm', [0, 3, 1, 2])]);
    this.layout = 'NCHW';
  }
}
