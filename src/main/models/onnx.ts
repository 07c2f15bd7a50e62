/**
 * A library model as ONNX (opset 13), written with the generated
 * protobufjs code of the official onnx.proto that the `onnx-proto` package
 * carries. Pure arithmetic on the saved weights: no TensorFlow.
 *
 * The graph takes what the TF.js model takes, `input` [N, 28, 28, 1]
 * float32 (NHWC, pixels already normalised as the metadata says; the
 * normalisation is also in the model's metadata_props), and outputs both
 * `logits` [N, 10] (what the TF.js model outputs) and `probabilities`
 * [N, 10] (their softmax: what `models:predict` answers). Layout: TF.js is
 * NHWC, ONNX's Conv and MaxPool are NCHW, so the image is transposed to
 * NCHW before the first convolution or pooling and back to NHWC before a
 * flatten, which keeps TF.js's flatten order for the dense layers after it.
 * Dropout is the identity at inference and becomes no node.
 */
import { createRequire } from 'node:module';
import type * as OnnxProto from 'onnx-proto';
import { NUM_CLASSES } from '@shared/datasets';
import { describeModel, INPUT_SHAPE, type Activation, type ModelSpec } from '@shared/model-spec';
import type { ModelMetadata } from '@shared/models';

const nodeRequire = createRequire(import.meta.url);
// onnx-proto is CommonJS whose exports a named ESM import cannot see.
const { onnx } = nodeRequire('onnx-proto') as typeof OnnxProto;

export const ONNX_OPSET = 13;
/** IR version 8 (ONNX 1.10): what onnx-proto's onnx.proto defines; every current runtime reads it. */
const IR_VERSION = 8;

/** A weighted layer's kernel and bias as TF.js stores them (kernel [in, out] or [kh, kw, cin, cout]). */
export interface LayerWeights {
  kernel: Float32Array;
  bias: Float32Array;
}

function tensor(name: string, dims: number[], data: Float32Array): OnnxProto.onnx.ITensorProto {
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) };
}

function ints(name: string, values: number[]): OnnxProto.onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: values };
}

function int(name: string, value: number): OnnxProto.onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
}

function floatTensorType(dims: (number | string)[]): OnnxProto.onnx.ITypeProto {
  return {
    tensorType: {
      elemType: onnx.TensorProto.DataType.FLOAT,
      shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
    },
  };
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
function samePads(size: number, kernel: number, stride: number): [number, number] {
  const total = Math.max((Math.ceil(size / stride) - 1) * stride + kernel - size, 0);
  const begin = Math.floor(total / 2);
  return [begin, total - begin];
}

const ACTIVATION_OPS: Record<Exclude<Activation, 'linear'>, string> = { relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh' };

/** Builds the ONNX model bytes for a spec and its weights (one entry per dense or conv2d layer, in order). */
export function buildOnnx(spec: ModelSpec, weights: LayerWeights[], info: { name: string; normalization: ModelMetadata['normalization']; producerVersion: string; docString?: string }): Uint8Array {
  const summary = describeModel(spec);
  if (summary.errors.length > 0) throw new Error(`the network is not valid: ${summary.errors[0]!.message}`);
  const nodes: OnnxProto.onnx.INodeProto[] = [];
  const initializer: OnnxProto.onnx.ITensorProto[] = [];
  let current = 'input';
  let layout: 'NHWC' | 'NCHW' | 'flat' = 'NHWC';
  let shape: number[] = [...INPUT_SHAPE];
  let weighted = 0;
  const node = (opType: string, inputs: string[], name: string, attribute: OnnxProto.onnx.IAttributeProto[] = []) => {
    nodes.push({ opType, input: inputs, output: [name], name, attribute });
    current = name;
  };
  const activate = (activation: Activation, prefix: string) => {
    if (activation !== 'linear') node(ACTIVATION_OPS[activation], [current], `${prefix}_${activation}`);
  };
  const toNchw = (prefix: string) => {
    if (layout === 'NHWC') node('Transpose', [current], `${prefix}_to_nchw`, [ints('perm', [0, 3, 1, 2])]);
    layout = 'NCHW';
  };

  spec.layers.forEach((layer, i) => {
    const prefix = `l${i + 1}_${layer.type}`;
    switch (layer.type) {
      case 'conv2d': {
        toNchw(prefix);
        const w = weights[weighted++];
        const [h, wd, cin] = shape as [number, number, number];
        const k = layer.kernelSize;
        if (!w || w.kernel.length !== k * k * cin * layer.filters || w.bias.length !== layer.filters) throw new Error(`${prefix}: weights do not fit the layer`);
        initializer.push(tensor(`${prefix}_W`, [layer.filters, cin, k, k], convKernelToOihw(w.kernel, k, k, cin, layer.filters)), tensor(`${prefix}_B`, [layer.filters], w.bias));
        const [top, bottom] = layer.padding === 'same' ? samePads(h, k, layer.strides) : [0, 0];
        const [left, right] = layer.padding === 'same' ? samePads(wd, k, layer.strides) : [0, 0];
        node('Conv', [current, `${prefix}_W`, `${prefix}_B`], prefix, [
          ints('kernel_shape', [k, k]),
          ints('strides', [layer.strides, layer.strides]),
          ints('pads', [top, left, bottom, right]),
          ints('dilations', [1, 1]),
          int('group', 1),
        ]);
        activate(layer.activation, prefix);
        break;
      }
      case 'maxPooling2d': {
        toNchw(prefix);
        const s = layer.strides ?? layer.poolSize;
        node('MaxPool', [current], prefix, [ints('kernel_shape', [layer.poolSize, layer.poolSize]), ints('strides', [s, s]), ints('pads', [0, 0, 0, 0])]);
        break;
      }
      case 'flatten':
        // TF.js flattens NHWC (channels fastest): transpose back first so the next dense layer's rows line up.
        if (layout === 'NCHW') node('Transpose', [current], `${prefix}_to_nhwc`, [ints('perm', [0, 2, 3, 1])]);
        node('Flatten', [current], prefix, [int('axis', 1)]);
        layout = 'flat';
        break;
      case 'dropout':
        break;
      case 'dense': {
        const w = weights[weighted++];
        const inputs = shape[0]!;
        if (!w || w.kernel.length !== inputs * layer.units || w.bias.length !== layer.units) throw new Error(`${prefix}: weights do not fit the layer`);
        initializer.push(tensor(`${prefix}_W`, [inputs, layer.units], w.kernel), tensor(`${prefix}_B`, [layer.units], w.bias));
        node('Gemm', [current, `${prefix}_W`, `${prefix}_B`], prefix);
        activate(layer.activation, prefix);
        break;
      }
      default: {
        const never: never = layer;
        throw new Error(`unknown layer ${JSON.stringify(never)}`);
      }
    }
    shape = summary.layers[i]!.outputShape!;
  });
  if (weighted !== weights.length) throw new Error(`${weights.length} weighted layers given, the network has ${weighted}`);
  node('Identity', [current], 'logits');
  node('Softmax', ['logits'], 'probabilities', [int('axis', 1)]);

  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'MNIST Studio',
    producerVersion: info.producerVersion,
    docString: info.docString ?? '',
    metadataProps: [
      { key: 'input', value: 'NHWC [N, 28, 28, 1] float32: pixels p (0–255, ink bright) as ((p / 255) − mean) / std' },
      { key: 'normalization_mean', value: String(info.normalization.mean) },
      { key: 'normalization_std', value: String(info.normalization.std) },
      { key: 'outputs', value: 'logits [N, 10]; probabilities [N, 10] = softmax(logits)' },
    ],
    graph: {
      name: info.name.replace(/[^\w.-]/g, '_') || 'model',
      node: nodes,
      initializer,
      input: [{ name: 'input', type: floatTensorType(['N', ...INPUT_SHAPE]) }],
      output: [
        { name: 'logits', type: floatTensorType(['N', NUM_CLASSES]) },
        { name: 'probabilities', type: floatTensorType(['N', NUM_CLASSES]) },
      ],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Splits a library folder's weights (manifest order: kernel then bias per weighted layer) into per-layer arrays. */
export function layerWeights(specs: { name: string; shape: number[] }[], data: ArrayBuffer): LayerWeights[] {
  const arrays: Float32Array[] = [];
  let offset = 0;
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    arrays.push(new Float32Array(data.slice(offset, offset + n * 4)));
    offset += n * 4;
  }
  if (arrays.length % 2 !== 0 || offset !== data.byteLength) throw new Error('the weights are not a kernel and a bias per layer');
  const out: LayerWeights[] = [];
  for (let i = 0; i < arrays.length; i += 2) out.push({ kernel: arrays[i]!, bias: arrays[i + 1]! });
  return out;
}
