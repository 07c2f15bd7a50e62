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
 * Each layer writes its own nodes (its module's `onnx`, src/main/trainer/
 * layers/); dropout is the identity at inference and becomes no node.
 */
import type * as OnnxProto from 'onnx-proto';
import { NUM_CLASSES } from '@shared/datasets';
import { describeModel, INPUT_SHAPE, layerDef, weightLayout, type ModelSpec } from '@shared/model-spec';
import type { ModelMetadata } from '@shared/models';
import { mainLayer } from '../trainer/layers';
import { int, onnx, OnnxGraph } from '../trainer/layers/onnx-graph';

export const ONNX_OPSET = 13;
/** IR version 8 (ONNX 1.10): what onnx-proto's onnx.proto defines; every current runtime reads it. */
const IR_VERSION = 8;

/** One layer's weights as TF.js stores them, in the order its module declares them (kernel [in, out] or [kh, kw, cin, cout], bias; a batch norm's four). */
export type LayerWeights = Float32Array[];

function floatTensorType(dims: (number | string)[]): OnnxProto.onnx.ITypeProto {
  return {
    tensorType: {
      elemType: onnx.TensorProto.DataType.FLOAT,
      shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
    },
  };
}

/** Builds the ONNX model bytes for a spec and its weights (one list per layer, in order: see `layerWeights`). */
export function buildOnnx(
  spec: ModelSpec,
  weights: LayerWeights[],
  info: { name: string; normalization: ModelMetadata['normalization']; producerVersion: string; docString?: string },
  options: { layout?: 'nhwc' | 'nchw'; input?: 'normalised' | 'raw' } = {},
): Uint8Array {
  const summary = describeModel(spec);
  if (summary.errors.length > 0) throw new Error(`the network is not valid: ${summary.errors[0]!.message}`);
  const layout = options.layout ?? 'nhwc';
  const raw = options.input === 'raw';
  const g = new OnnxGraph();
  // One channel: [N, 1, 28, 28] and [N, 28, 28, 1] hold the same bytes; the graph only has to know which layout it is in.
  if (layout === 'nchw') g.layout = 'NCHW';
  if (raw) {
    // ((p / 255) − mean) / std, in the order and float32 arithmetic the studio's own evaluation uses.
    const { mean, std } = info.normalization;
    g.node('Div', [g.current, g.weight('pixel_scale', [], Float32Array.of(255))], 'input_unit');
    g.node('Sub', [g.current, g.weight('normalization_mean', [], Float32Array.of(mean))], 'input_centred');
    g.node('Div', [g.current, g.weight('normalization_std', [], Float32Array.of(std))], 'input_normalised');
  }
  spec.layers.forEach((layer, i) => {
    const prefix = `l${i + 1}_${layer.type}`;
    const input = i === 0 ? summary.inputShape : summary.layers[i - 1]!.outputShape!;
    const declared = layerDef(layer).weights(layer, input);
    const w = weights[i];
    if (!w || w.length !== declared.length) throw new Error(`${prefix}: weights do not fit the layer`);
    mainLayer(layer).onnx(layer, { g, prefix, input, weights: w });
  });
  if (weights.length !== spec.layers.length) throw new Error(`weights for ${weights.length} layers given, the network has ${spec.layers.length}`);
  g.node('Identity', [g.current], 'logits');
  g.node('Softmax', ['logits'], 'probabilities', [int('axis', 1)]);

  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'MNIST Studio',
    producerVersion: info.producerVersion,
    docString: info.docString ?? '',
    metadataProps: [
      {
        key: 'input',
        value: `${layout === 'nchw' ? 'NCHW [N, 1, 28, 28]' : 'NHWC [N, 28, 28, 1]'} float32: ${raw ? 'raw pixels p (0–255, ink bright); the graph normalises them as ((p / 255) − mean) / std' : 'pixels p (0–255, ink bright) as ((p / 255) − mean) / std'}`,
      },
      { key: 'input_layout', value: layout },
      { key: 'input_scale', value: raw ? 'raw' : 'normalised' },
      { key: 'normalization_mean', value: String(info.normalization.mean) },
      { key: 'normalization_std', value: String(info.normalization.std) },
      { key: 'outputs', value: 'logits [N, 10]; probabilities [N, 10] = softmax(logits)' },
    ],
    graph: {
      name: info.name.replace(/[^\w.-]/g, '_') || 'model',
      node: g.nodes,
      initializer: g.initializer,
      input: [{ name: 'input', type: floatTensorType(['N', ...(layout === 'nchw' ? [1, INPUT_SHAPE[0], INPUT_SHAPE[1]] : INPUT_SHAPE)]) }],
      output: [
        { name: 'logits', type: floatTensorType(['N', NUM_CLASSES]) },
        { name: 'probabilities', type: floatTensorType(['N', NUM_CLASSES]) },
      ],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Splits a library folder's weights (manifest order: see `weightLayout`) into per-layer lists in each layer's declared order, one list per layer of `spec`. */
export function layerWeights(spec: ModelSpec, specs: { name: string; shape: number[] }[], data: ArrayBuffer): LayerWeights[] {
  const layout = weightLayout(spec);
  const offsets: number[] = [];
  let offset = 0;
  for (const s of specs) {
    offsets.push(offset);
    offset += s.shape.reduce((a, b) => a * b, 1) * 4;
  }
  const count = layout.reduce((n, list) => n + list.length, 0);
  if (specs.length !== count || offset !== data.byteLength)
    throw new Error(`the weights do not fit the network: ${specs.length} tensors of ${data.byteLength} bytes, the network holds ${count}`);
  return layout.map((list, i) =>
    list.map((slot) => {
      const stored = specs[slot.index]!;
      if (stored.shape.join() !== slot.shape.join())
        throw new Error(
          `weight ${slot.index} (${stored.name}) has shape [${stored.shape.join(', ')}], layer ${i + 1} (${spec.layers[i]!.type}) wants ${slot.name} [${slot.shape.join(', ')}]`,
        );
      const start = offsets[slot.index]!;
      return new Float32Array(data.slice(start, start + stored.shape.reduce((a, b) => a * b, 1) * 4));
    }),
  );
}
