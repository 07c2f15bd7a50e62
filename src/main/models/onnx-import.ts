/**
 * Import of an ONNX model (PyTorch's `torch.onnx.export`, TorchScript or
 * dynamo, and the studio's own export) as a studio network and its
 * weights in TF.js's layout. The graph is parsed with the generated
 * protobufjs code of onnx.proto that `onnx-proto` carries and read node by
 * node as one chain of layers: Gemm, MatMul + Add, Conv, MaxPool,
 * AveragePool, GlobalAveragePool (or ReduceMean over H and W),
 * BatchNormalization, Relu / Sigmoid / Tanh, Flatten / Reshape, Transpose,
 * Dropout / Identity, Constant and initializers; a final Softmax (or
 * LogSoftmax) is folded away, since the studio's models output logits.
 *
 * Layout: ONNX images are NCHW, the studio's NHWC. Each image value
 * remembers the order of its axes (a Transpose swaps it); convolution
 * kernels go from [out, in, kh, kw] to [kh, kw, in, out]; a flatten of an
 * NCHW image orders its values channel-first where the studio's orders
 * them channel-last, so the rows of the dense layer that reads it (or a
 * batch norm's vectors on it) are permuted to match.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type * as OnnxProto from 'onnx-proto';
import { describeModel, LAYER_LIMITS, layerDef, ModelSpec, weightLayout, type Activation, type LayerSpec } from '@shared/model-spec';
import type { ModelMetadata } from '@shared/models';
import { samePads } from '../trainer/layers/onnx-graph';
import { onnx } from '../trainer/layers/onnx-graph';
import { canonicalLayerNames, canonicalTopology } from './keras';

/** An .onnx file larger than the parameter cap in float32 plus room for the graph is refused before it is read. */
export const MAX_ONNX_BYTES = LAYER_LIMITS.params.max * 4 + 16 * 1024 * 1024;

/** The operators this importer reads (for messages). */
export const ONNX_OPS = [
  'Gemm',
  'MatMul',
  'Add',
  'Conv',
  'MaxPool',
  'AveragePool',
  'GlobalAveragePool',
  'ReduceMean',
  'BatchNormalization',
  'Relu',
  'Sigmoid',
  'Tanh',
  'Flatten',
  'Reshape',
  'Transpose',
  'Softmax',
  'LogSoftmax',
  'Dropout',
  'Identity',
  'Constant',
] as const;

/** Something in an ONNX file the studio cannot take; the caller names the file. */
export class OnnxImportError extends Error {}

/** What reading an ONNX file gives: the network, its weights as the library stores them, and what the file records. */
export interface OnnxRead {
  spec: ModelSpec;
  topology: object;
  weightSpecs: { name: string; shape: number[]; dtype: 'float32' }[];
  weights: Uint8Array;
  /** The normalisation the file records (the studio's own export does), else null: the user must say. */
  normalization: ModelMetadata['normalization'] | null;
  /** The input the graph declares: NCHW [N, 1, 28, 28], NHWC [N, 28, 28, 1] or flat [N, 784]. */
  inputLayout: 'NCHW' | 'NHWC' | 'flat';
  /** The name of the producer (`pytorch`, `MNIST Studio`). */
  producer: string;
}

interface Image {
  kind: 'image';
  order: 'NCHW' | 'NHWC';
  c: number;
  h: number;
  w: number;
  /** Index of the last layer when this value was made (-1: none yet). */
  from: number;
}
interface Flat {
  kind: 'flat';
  n: number;
  /** The studio's element s is ONNX's element studioToOnnx[s]; null when the orders agree. */
  studioToOnnx: Int32Array | null;
  /** Still [N, C, 1, 1] in ONNX (a global average pool that kept its dimensions). */
  rank4: boolean;
  from: number;
}
interface Const {
  kind: 'const';
  dims: number[];
  data: Float64Array;
}
type Value = Image | Flat | Const;

interface Layer {
  spec: LayerSpec;
  /** TF.js layout, in the order the layer declares its weights. */
  weights: Float32Array[];
}

/** An int64 as protobufjs decodes it: a number, or a Long (whose type onnx-proto does not ship). */
function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  const long = v as { toNumber?: unknown } | null;
  return long && typeof long.toNumber === 'function' ? (long as { toNumber(): number }).toNumber() : NaN;
}

const DT = onnx.TensorProto.DataType;

function tensorData(t: OnnxProto.onnx.ITensorProto): Const {
  const name = t.name ?? '';
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL || (t.externalData?.length ?? 0) > 0) {
    const where = t.externalData?.find((e) => e.key === 'location')?.value;
    throw new OnnxImportError(
      `tensor ${name} is stored in an external data file${where ? ` (${where})` : ''}: the studio reads one self-contained .onnx; export again with external_data=False (or onnx.save(model, path, save_as_external_data=False))`,
    );
  }
  const dims = (t.dims ?? []).map(toNumber);
  const count = dims.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(count) || count > LAYER_LIMITS.params.max) throw new OnnxImportError(`tensor ${name} has shape [${dims.join(', ')}]: too large`);
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : null;
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : null;
  const out = new Float64Array(count);
  const need = (bytes: number) => {
    if (view && view.byteLength !== count * bytes) throw new OnnxImportError(`tensor ${name}: ${view.byteLength} bytes of data for shape [${dims.join(', ')}]`);
  };
  const listed = (list: ArrayLike<unknown> | null | undefined) => {
    if ((list?.length ?? 0) !== count) throw new OnnxImportError(`tensor ${name}: ${list?.length ?? 0} values for shape [${dims.join(', ')}]`);
    for (let i = 0; i < count; i++) out[i] = toNumber(list![i]);
  };
  switch (t.dataType) {
    case DT.FLOAT:
      need(4);
      if (view) for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      else listed(t.floatData);
      break;
    case DT.DOUBLE:
      need(8);
      if (view) for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
      else listed(t.doubleData);
      break;
    case DT.INT64:
      need(8);
      if (view) for (let i = 0; i < count; i++) out[i] = Number(view.getBigInt64(i * 8, true));
      else listed(t.int64Data);
      break;
    case DT.INT32:
      need(4);
      if (view) for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true);
      else listed(t.int32Data);
      break;
    default:
      throw new OnnxImportError(`tensor ${name} has data type ${onnx.TensorProto.DataType[t.dataType ?? 0] ?? t.dataType}: only float, double, int32 and int64 are read`);
  }
  if (!out.every(Number.isFinite)) throw new OnnxImportError(`tensor ${name} holds NaN or infinite values`);
  return { kind: 'const', dims, data: out };
}

/** Reads and decodes an .onnx file; refuses what is not an ONNX model. */
export async function readOnnxFile(file: string): Promise<OnnxProto.onnx.ModelProto> {
  const stat = await fs.stat(file);
  if (stat.size === 0) throw new OnnxImportError('empty (0 bytes)');
  if (stat.size > MAX_ONNX_BYTES) throw new OnnxImportError(`${stat.size.toLocaleString('en-US')} bytes; at most ${MAX_ONNX_BYTES.toLocaleString('en-US')} are read`);
  const bytes = await fs.readFile(file);
  let model: OnnxProto.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new OnnxImportError(`not an ONNX model (${(err as Error).message})`);
  }
  if (!model.graph || (model.graph.node ?? []).length === 0 || (model.graph.input ?? []).length === 0 || (model.opsetImport ?? []).length === 0)
    throw new OnnxImportError('not an ONNX model (no graph with nodes, inputs and an opset)');
  return model;
}

function attrs(node: OnnxProto.onnx.INodeProto): Map<string, OnnxProto.onnx.IAttributeProto> {
  return new Map((node.attribute ?? []).map((a) => [a.name ?? '', a]));
}
const attrInt = (a: Map<string, OnnxProto.onnx.IAttributeProto>, name: string, fallback: number) => (a.get(name)?.i == null ? fallback : toNumber(a.get(name)!.i));
const attrFloat = (a: Map<string, OnnxProto.onnx.IAttributeProto>, name: string, fallback: number) => a.get(name)?.f ?? fallback;
const attrInts = (a: Map<string, OnnxProto.onnx.IAttributeProto>, name: string): number[] | null => (a.has(name) ? (a.get(name)!.ints ?? []).map(toNumber) : null);
const attrString = (a: Map<string, OnnxProto.onnx.IAttributeProto>, name: string): string | null => (a.get(name)?.s ? Buffer.from(a.get(name)!.s!).toString('utf8') : null);

const ACTIVATIONS: Record<string, Exclude<Activation, 'linear'>> = { Relu: 'relu', Sigmoid: 'sigmoid', Tanh: 'tanh' };

/** Converts a decoded ONNX model into a studio network and its weights. */
export function convertOnnx(model: OnnxProto.onnx.ModelProto): OnnxRead {
  const graph = model.graph!;
  const opset = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  if (!opset) throw new OnnxImportError('it imports no standard ONNX operator set');
  const opsetVersion = toNumber(opset.version ?? 0);
  const values = new Map<string, Value>();
  for (const t of graph.initializer ?? []) values.set(t.name ?? '', tensorData(t));
  if ((graph.sparseInitializer ?? []).length > 0) throw new OnnxImportError('sparse initializers are not supported');

  // The one real input.
  const inputs = (graph.input ?? []).filter((i) => !values.has(i.name ?? ''));
  if (inputs.length !== 1)
    throw new OnnxImportError(`the graph takes ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}); the studio imports a model of one image input`);
  const input = inputs[0]!;
  const tt = input.type?.tensorType;
  if (!tt || tt.elemType !== DT.FLOAT) throw new OnnxImportError(`input ${input.name}: not a float32 tensor`);
  const dims = (tt.shape?.dim ?? []).map((d) => (d.dimValue != null && toNumber(d.dimValue) > 0 ? toNumber(d.dimValue) : -1));
  const shown = `[${(tt.shape?.dim ?? []).map((d) => d.dimParam || (d.dimValue != null ? toNumber(d.dimValue) : '?')).join(', ')}]`;
  let inputLayout: OnnxRead['inputLayout'];
  const rest = dims.slice(1).join();
  const layers: Layer[] = [];
  if (dims.length === 4 && rest === '1,28,28') {
    inputLayout = 'NCHW';
    values.set(input.name!, { kind: 'image', order: 'NCHW', c: 1, h: 28, w: 28, from: -1 });
  } else if (dims.length === 4 && rest === '28,28,1') {
    inputLayout = 'NHWC';
    values.set(input.name!, { kind: 'image', order: 'NHWC', c: 1, h: 28, w: 28, from: -1 });
  } else if (dims.length === 2 && rest === '784') {
    inputLayout = 'flat';
    layers.push({ spec: { type: 'flatten' }, weights: [] });
    values.set(input.name!, { kind: 'flat', n: 784, studioToOnnx: null, rank4: false, from: 0 });
  } else {
    throw new OnnxImportError(`input ${input.name} has shape ${shown}: the studio imports a 28×28 grayscale image, [N, 1, 28, 28] (NCHW), [N, 28, 28, 1] (NHWC) or [N, 784]`);
  }

  // The output: `logits` when there are several (the studio's export also gives `probabilities`), else the only one.
  const outputs = graph.output ?? [];
  const chosen = outputs.length === 1 ? outputs[0]!.name! : outputs.find((o) => o.name === 'logits')?.name;
  if (!chosen)
    throw new OnnxImportError(
      `the graph has ${outputs.length} outputs (${outputs.map((o) => o.name).join(', ')}); the studio imports a model with one output, the 10 class scores`,
    );

  // Only the nodes the chosen output needs, in file order (ONNX requires a topological order).
  const nodes = graph.node ?? [];
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => (n.output ?? []).forEach((o) => producer.set(o, i)));
  const needed = new Set<number>();
  const stack = [chosen];
  while (stack.length > 0) {
    const name = stack.pop()!;
    const i = producer.get(name);
    if (i === undefined || needed.has(i)) continue;
    needed.add(i);
    for (const inp of nodes[i]!.input ?? []) if (inp) stack.push(inp);
  }

  let tip: string = input.name!;
  const props = new Map((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
  // The studio's export with `--input raw` normalises 0–255 pixels first (Div, Sub, Div by constants): the normalisation it records says the same.
  const rawInput = props.get('input_scale') === 'raw' && props.has('normalization_mean');
  let scaling = rawInput;
  const last = () => layers.length - 1;
  const emit = (spec: LayerSpec, weights: Float32Array[] = []) => layers.push({ spec, weights });

  nodes.forEach((node, index) => {
    if (!needed.has(index)) return;
    const op = node.opType ?? '';
    const label = `node ${node.name ? `${node.name} ` : ''}(${op}${node.domain ? ` in domain ${node.domain}` : ''})`;
    const fail = (reason: string): never => {
      throw new OnnxImportError(`${label}: ${reason}`);
    };
    if (node.domain && node.domain !== 'ai.onnx') fail(`an operator outside the standard ONNX set is not supported`);
    const a = attrs(node);
    const ins = node.input ?? [];
    const out = (node.output ?? [])[0];
    if (!out) fail('it has no output');
    const get = (name: string | undefined): Value | undefined => (name ? values.get(name) : undefined);
    const constOf = (i: number, what: string): Const => {
      const v = get(ins[i]);
      if (v?.kind !== 'const') return fail(`its ${what} (${ins[i] ?? 'missing'}) must be a constant or an initializer`);
      return v;
    };
    /** The activation input: the value the chain has reached (a branch would leave the chain). */
    const act = (i = 0): Image | Flat => {
      const v = get(ins[i]);
      if (!v || v.kind === 'const') return fail(`its input ${ins[i] ?? ''} is not the image flowing through the network`);
      if (ins[i] !== tip) return fail(`its input ${ins[i]} branches off the chain of layers (the studio imports one chain, each layer feeding the next)`);
      return v;
    };
    const image = (v: Image | Flat): Image => {
      if (v.kind !== 'image') return fail(`it needs an image (N, C, H, W) but its input is flat [N, ${v.n}]`);
      if (v.order !== 'NCHW' && v.c !== 1) return fail(`its input is NHWC [N, ${v.h}, ${v.w}, ${v.c}]; ONNX reads it as NCHW`);
      return v;
    };
    const set = (v: Value) => {
      values.set(out!, v);
      if (v.kind !== 'const') tip = out!;
    };

    if (scaling && ['Div', 'Sub'].includes(op) && ins[0] === tip && get(ins[1])?.kind === 'const') {
      set(act());
      return;
    }
    if (op !== 'Constant') scaling = false;
    switch (op) {
      case 'Constant': {
        const t = a.get('value')?.t;
        if (t) set(tensorData({ ...t, name: out }));
        else if (a.get('value_float')) set({ kind: 'const', dims: [], data: Float64Array.of(attrFloat(a, 'value_float', 0)) });
        else if (a.get('value_floats')) set({ kind: 'const', dims: [a.get('value_floats')!.floats!.length], data: Float64Array.from(a.get('value_floats')!.floats!) });
        else if (a.get('value_int')) set({ kind: 'const', dims: [], data: Float64Array.of(attrInt(a, 'value_int', 0)) });
        else if (a.get('value_ints')) {
          const v = attrInts(a, 'value_ints')!;
          set({ kind: 'const', dims: [v.length], data: Float64Array.from(v) });
        } else fail('a constant of a kind the studio does not read');
        return;
      }
      case 'Identity':
      case 'Dropout': {
        const v = get(ins[0]);
        if (!v) fail(`its input ${ins[0]} is not known`);
        if (v!.kind === 'const') values.set(out!, v!);
        else set(act());
        return;
      }
      case 'Softmax':
      case 'LogSoftmax': {
        const v = act();
        if (out !== chosen) fail(`a ${op} inside the network is not supported; only a final one is folded away (the studio's models output logits)`);
        if (v.kind !== 'flat') fail(`a ${op} on an image is not supported`);
        const axis = attrInt(a, 'axis', opsetVersion >= 13 ? -1 : 1);
        if (axis !== 1 && axis !== -1) fail(`axis ${axis}: only the class axis (1) is folded away`);
        set(v);
        return;
      }
      case 'Relu':
      case 'Sigmoid':
      case 'Tanh': {
        const v = act();
        const activation = ACTIVATIONS[op]!;
        let i = last();
        // A batch norm right after a linear dense or convolution layer folds into it, which then takes the activation.
        if (layers[i]?.spec.type === 'batchNormalization' && v.from === i && canTakeActivation(layers[i - 1])) {
          foldBatchNorm(layers[i - 1]!, layers[i]!);
          layers.pop();
          i -= 1;
        }
        // Max pooling, flattening and dropout commute with a rising activation: it goes to the dense or convolution layer before them.
        while (i >= 0 && ['maxPooling2d', 'flatten', 'dropout'].includes(layers[i]!.spec.type)) i -= 1;
        const target = layers[i];
        if (!canTakeActivation(target))
          fail(
            `the studio applies ${activation} inside a dense or convolution layer, and here it follows ${target ? `a ${target.spec.type} layer` : 'the input'} (or one that has an activation already)`,
          );
        (target!.spec as { activation: Activation }).activation = activation;
        set({ ...v, from: last() });
        return;
      }
      case 'Transpose': {
        const v = act();
        const perm = attrInts(a, 'perm');
        if (v.kind === 'flat') {
          if (perm && perm.join() !== '0,1') fail(`perm [${perm.join(', ')}] on a flat tensor`);
          set(v);
          return;
        }
        const p = (perm ?? [0, 3, 2, 1]).join();
        if (p === '0,1,2,3') set(v);
        else if (v.order === 'NCHW' && p === '0,2,3,1') set({ ...v, order: 'NHWC' });
        else if (v.order === 'NHWC' && p === '0,3,1,2') set({ ...v, order: 'NCHW' });
        else fail(`perm [${perm?.join(', ') ?? 'reversed'}] on a ${v.order} image: only NCHW ⇄ NHWC is supported`);
        return;
      }
      case 'Flatten':
      case 'Reshape': {
        const v = act();
        if (op === 'Flatten') {
          const axis = attrInt(a, 'axis', 1);
          if (axis !== 1) fail(`axis ${axis}: only a flatten after the batch axis (axis 1) is supported`);
        } else {
          const target = Array.from(constOf(1, 'target shape').data);
          const allowZero = attrInt(a, 'allowzero', 0) === 1;
          const size = v.kind === 'image' ? v.c * v.h * v.w : v.n;
          const batchOk = (d: number) => d === -1 || (d === 0 && !allowZero) || d > 0;
          const ok = target.length === 2 && ((target[1] === size && batchOk(target[0]!)) || (target[1] === -1 && target[0] !== -1 && batchOk(target[0]!)));
          if (!ok) fail(`a reshape to [${target.join(', ')}] is not a flatten to [N, ${size}] (the only reshape the studio imports)`);
        }
        if (v.kind === 'flat') {
          set({ ...v, rank4: false });
          return;
        }
        let studioToOnnx: Int32Array | null = null;
        if (v.order === 'NCHW' && v.c > 1 && v.h * v.w > 1) {
          // The studio flattens channel-last: its element (y·W + x)·C + c is ONNX's c·H·W + y·W + x.
          studioToOnnx = new Int32Array(v.c * v.h * v.w);
          for (let y = 0; y < v.h; y++) for (let x = 0; x < v.w; x++) for (let c = 0; c < v.c; c++) studioToOnnx[(y * v.w + x) * v.c + c] = c * v.h * v.w + y * v.w + x;
        }
        emit({ type: 'flatten' });
        set({ kind: 'flat', n: v.c * v.h * v.w, studioToOnnx, rank4: false, from: last() });
        return;
      }
      case 'Gemm':
      case 'MatMul': {
        const v = act();
        if (v.kind !== 'flat' || v.rank4)
          fail(`it needs a flat input [N, features]${v.kind === 'image' ? ` but gets an image [N, ${v.c}, ${v.h}, ${v.w}]: flatten it first` : ''}`);
        const x = v as Flat;
        const b = constOf(1, 'weight');
        if (b.dims.length !== 2) fail(`its weight has shape [${b.dims.join(', ')}], not a matrix`);
        const transB = op === 'Gemm' && attrInt(a, 'transB', 0) === 1;
        if (op === 'Gemm' && attrInt(a, 'transA', 0) !== 0) fail('transA is not supported');
        const alpha = op === 'Gemm' ? attrFloat(a, 'alpha', 1) : 1;
        const beta = op === 'Gemm' ? attrFloat(a, 'beta', 1) : 1;
        const [rows, cols] = b.dims as [number, number];
        const inputs = transB ? cols : rows;
        const units = transB ? rows : cols;
        if (inputs !== x.n) fail(`its weight has shape [${b.dims.join(', ')}] but its input has ${x.n} features`);
        const kernel = new Float32Array(inputs * units);
        for (let s = 0; s < inputs; s++) {
          const r = x.studioToOnnx ? x.studioToOnnx[s]! : s;
          for (let o = 0; o < units; o++) kernel[s * units + o] = alpha * b.data[transB ? o * cols + r : r * cols + o]!;
        }
        const bias = new Float32Array(units);
        if (op === 'Gemm' && ins[2]) {
          const c = constOf(2, 'bias');
          if (c.data.length === units && c.dims.filter((d) => d !== 1).length <= 1) c.data.forEach((value, o) => (bias[o] = beta * value));
          else if (c.data.length === 1) bias.fill(beta * c.data[0]!);
          else fail(`its bias has shape [${c.dims.join(', ')}], not [${units}]`);
        }
        emit({ type: 'dense', units, activation: 'linear' }, [kernel, bias]);
        set({ kind: 'flat', n: units, studioToOnnx: null, rank4: false, from: last() });
        return;
      }
      case 'Add': {
        const first = get(ins[0])?.kind === 'const' ? 1 : 0;
        const v = act(first);
        const c = constOf(1 - first, 'bias');
        const layer = layers[last()];
        const size = v.kind === 'flat' ? v.n : v.c;
        const perChannel =
          c.data.length === size && (v.kind === 'flat' ? c.dims.filter((d) => d !== 1).length <= 1 : c.dims.length >= 3 && c.dims.at(-1) === 1 && c.dims.at(-2) === 1);
        if (!layer || v.from !== last() || !canTakeActivation(layer) || (layer.spec.type === 'dense') !== (v.kind === 'flat') || !perChannel)
          fail('only a bias added right after a dense (MatMul) or convolution layer is supported');
        const bias = layer!.weights[1]!;
        for (let i = 0; i < size; i++) bias[i] = bias[i]! + c.data[i]!;
        set({ ...v });
        return;
      }
      case 'Conv': {
        const v = image(act());
        const w = constOf(1, 'weight');
        if (w.dims.length !== 4) fail(`its weight has shape [${w.dims.join(', ')}]; only 2-D convolutions are supported`);
        const [cout, cin, kh, kw] = w.dims as [number, number, number, number];
        if (attrInt(a, 'group', 1) !== 1) fail(`group ${attrInt(a, 'group', 1)}: grouped and depthwise convolutions are not supported`);
        if (cin !== v.c) fail(`its weight takes ${cin} channels, its input has ${v.c}`);
        if (kh !== kw) fail(`a ${kh}×${kw} kernel: the studio's kernels are square`);
        const strides = attrInts(a, 'strides') ?? [1, 1];
        if (strides[0] !== strides[1]) fail(`strides [${strides.join(', ')}]: the studio's strides are the same along both axes`);
        if ((attrInts(a, 'dilations') ?? [1, 1]).some((d) => d !== 1)) fail('dilated convolutions are not supported');
        const padding = convPadding(a, v, kh, strides[0]!, fail);
        const k = kh;
        const kernel = new Float32Array(k * k * cin * cout);
        for (let o = 0; o < cout; o++)
          for (let i = 0; i < cin; i++)
            for (let y = 0; y < k; y++) for (let x = 0; x < k; x++) kernel[((y * k + x) * cin + i) * cout + o] = w.data[((o * cin + i) * k + y) * k + x]!;
        const bias = new Float32Array(cout);
        if (ins[2]) {
          const b = constOf(2, 'bias');
          if (b.data.length !== cout) fail(`its bias has ${b.data.length} values for ${cout} filters`);
          b.data.forEach((value, o) => (bias[o] = value));
        }
        const spec = { type: 'conv2d' as const, filters: cout, kernelSize: k, strides: strides[0]!, padding, activation: 'linear' as const };
        const shape = layerDef(spec).output(spec, [v.h, v.w, v.c]);
        if (!Array.isArray(shape)) return fail(`a ${k}×${k} kernel does not fit its ${v.h}×${v.w} input`);
        emit(spec, [kernel, bias]);
        set({ kind: 'image', order: 'NCHW', c: cout, h: shape[0]!, w: shape[1]!, from: last() });
        return;
      }
      case 'MaxPool':
      case 'AveragePool': {
        const v = image(act());
        const kernel = attrInts(a, 'kernel_shape') ?? [];
        const strides = attrInts(a, 'strides') ?? [1, 1];
        if (kernel.length !== 2 || kernel[0] !== kernel[1]) fail(`kernel_shape [${kernel.join(', ')}]: the studio's pooling windows are square`);
        if (strides[0] !== strides[1]) fail(`strides [${strides.join(', ')}]: the studio's strides are the same along both axes`);
        if ((attrInts(a, 'pads') ?? []).some((p) => p !== 0) || !['NOTSET', 'VALID', null].includes(attrString(a, 'auto_pad')))
          fail('padded pooling is not supported (the studio pools "valid" windows)');
        if ((attrInts(a, 'dilations') ?? []).some((d) => d !== 1)) fail('dilated pooling is not supported');
        const [k, s] = [kernel[0]!, strides[0]!];
        if (attrInt(a, 'ceil_mode', 0) === 1 && ((v.h - k) % s !== 0 || (v.w - k) % s !== 0)) fail('ceil_mode 1 gives a partial window the studio does not pool');
        const spec = { type: op === 'MaxPool' ? ('maxPooling2d' as const) : ('averagePooling2d' as const), poolSize: k, ...(s === k ? {} : { strides: s }) };
        const shape = layerDef(spec).output(spec, [v.h, v.w, v.c]);
        if (!Array.isArray(shape)) return fail(`a ${k}×${k} window does not fit its ${v.h}×${v.w} input`);
        emit(spec);
        set({ kind: 'image', order: 'NCHW', c: v.c, h: shape[0]!, w: shape[1]!, from: last() });
        return;
      }
      case 'GlobalAveragePool':
      case 'ReduceMean': {
        const v = image(act());
        let keep = true;
        if (op === 'ReduceMean') {
          const axes = (opsetVersion >= 18 && ins[1] ? Array.from(constOf(1, 'axes').data) : (attrInts(a, 'axes') ?? [])).map((d) => (d < 0 ? d + 4 : d)).sort();
          if (axes.join() !== '2,3') fail(`a mean over axes [${axes.join(', ')}]: only the global average pool (over H and W of NCHW) is supported`);
          keep = attrInt(a, 'keepdims', 1) === 1;
        }
        emit({ type: 'globalAveragePooling2d' });
        set({ kind: 'flat', n: v.c, studioToOnnx: null, rank4: keep, from: last() });
        return;
      }
      case 'BatchNormalization': {
        const v = act();
        if (attrInt(a, 'training_mode', 0) !== 0 || (node.output ?? []).filter(Boolean).length > 1)
          fail('a batch norm in training mode is not supported: export the model in eval mode');
        if (v.kind === 'image' && v.order !== 'NCHW' && v.c !== 1) fail('a batch norm on an NHWC image normalises the wrong axis');
        const c = v.kind === 'image' ? v.c : v.n;
        const vec = [1, 2, 3, 4].map((i, k) => {
          const t = constOf(i, ['scale', 'bias', 'mean', 'variance'][k]!);
          if (t.data.length !== c) fail(`its ${['scale', 'bias', 'mean', 'variance'][k]} has ${t.data.length} values for ${c} channels`);
          const map = v.kind === 'flat' ? v.studioToOnnx : null;
          return Float32Array.from({ length: c }, (_, s) => t.data[map ? map[s]! : s]!);
        });
        // A float attribute: 0.001 arrives as 0.0010000000474974513; seven digits give the number that was meant.
        const epsilon = Number(attrFloat(a, 'epsilon', 1e-5).toPrecision(7));
        // ONNX's momentum attribute (opset < 9) is the share of the old average kept, as the studio's; absent, the studio's default.
        const momentum = a.has('momentum') ? Number(attrFloat(a, 'momentum', 0.99).toPrecision(7)) : 0.99;
        if (!(epsilon > 0 && epsilon <= 0.1)) fail(`epsilon ${epsilon}: the studio's batch norm takes an epsilon above 0 and at most 0.1`);
        emit({ type: 'batchNormalization', momentum: momentum >= 0 && momentum < 1 ? momentum : 0.99, epsilon }, vec);
        set({ ...v, from: last() });
        return;
      }
      default:
        fail(`not supported; the studio imports ${ONNX_OPS.join(', ')}`);
    }
  });

  const result = values.get(chosen);
  if (!result) throw new OnnxImportError(`output ${chosen} is not computed by the graph`);
  if (result.kind !== 'flat' || result.rank4 || tip !== chosen)
    throw new OnnxImportError(
      `output ${chosen} is not the end of the chain of layers as [N, classes]${result.kind === 'image' ? ` (it is an image [N, ${result.c}, ${result.h}, ${result.w}])` : ''}`,
    );

  const checked = ModelSpec.safeParse({ name: 'onnx', layers: layers.map((l) => l.spec) });
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new OnnxImportError(`the network it holds is not one the studio runs: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim());
  }
  const spec = checked.data;
  const summary = describeModel(spec);
  // Library order: tfjs-layers' (trainable weights of every layer first, then the others).
  const names = canonicalLayerNames(spec);
  const slots = weightLayout(spec).flatMap((list, i) =>
    list.map((slot, k) => {
      const data = layers[i]!.weights[k];
      if (data?.length !== slot.shape.reduce((p, d) => p * d, 1)) throw new OnnxImportError(`layer ${i + 1} (${spec.layers[i]!.type}): weight ${slot.name} does not fit`);
      return { ...slot, data, name: `${names[i]}/${slot.name}` };
    }),
  );
  slots.sort((x, y) => x.index - y.index);
  const weights = new Float32Array(summary.params);
  let at = 0;
  for (const s of slots) {
    weights.set(s.data, at);
    at += s.data.length;
  }
  const mean = Number(props.get('normalization_mean'));
  const std = Number(props.get('normalization_std'));
  const normalization = props.has('normalization_mean') && props.has('normalization_std') && mean >= 0 && mean <= 1 && std > 0 && std <= 1 ? { mean, std } : null;
  return {
    spec,
    topology: canonicalTopology(spec, spec.name),
    weightSpecs: slots.map((s) => ({ name: s.name, shape: s.shape, dtype: 'float32' })),
    weights: new Uint8Array(weights.buffer),
    normalization,
    inputLayout,
    producer: model.producerName ?? '',
  };
}

function canTakeActivation(layer: Layer | undefined): boolean {
  return (layer?.spec.type === 'dense' || layer?.spec.type === 'conv2d') && layer.spec.activation === 'linear';
}

/** Folds an inference batch norm into the dense or convolution layer before it (the output axis is last in both kernels). */
function foldBatchNorm(into: Layer, bn: Layer): void {
  const [gamma, beta, mean, variance] = bn.weights as [Float32Array, Float32Array, Float32Array, Float32Array];
  const epsilon = bn.spec.type === 'batchNormalization' ? bn.spec.epsilon : 0;
  const [kernel, bias] = into.weights as [Float32Array, Float32Array];
  const n = bias.length;
  const scale = Array.from({ length: n }, (_, o) => gamma[o]! / Math.sqrt(variance[o]! + epsilon));
  for (let i = 0; i < kernel.length; i++) kernel[i] = kernel[i]! * scale[i % n]!;
  for (let o = 0; o < n; o++) bias[o] = (bias[o]! - mean[o]!) * scale[o]! + beta[o]!;
}

/** A convolution's padding as the studio's "valid" or TF's "same" (the odd pixel at the end), or a refusal. */
function convPadding(a: Map<string, OnnxProto.onnx.IAttributeProto>, v: Image, k: number, stride: number, fail: (reason: string) => never): 'valid' | 'same' {
  const auto = attrString(a, 'auto_pad') ?? 'NOTSET';
  if (auto === 'VALID') return 'valid';
  if (auto === 'SAME_UPPER') return 'same';
  if (auto !== 'NOTSET') return fail(`auto_pad ${auto} is not supported (the studio pads "same" with the odd pixel at the end, SAME_UPPER)`);
  const pads = attrInts(a, 'pads') ?? [0, 0, 0, 0];
  if (pads.every((p) => p === 0)) return 'valid';
  const [top, bottom] = samePads(v.h, k, stride);
  const [left, right] = samePads(v.w, k, stride);
  if (pads.join() === [top, left, bottom, right].join()) return 'same';
  return fail(
    `pads [${pads.join(', ')}] are neither none ("valid") nor TF's "same" for a ${k}×${k} kernel with stride ${stride} on ${v.h}×${v.w} ([${top}, ${left}, ${bottom}, ${right}])`,
  );
}

/** Reads an .onnx file into the network and weights the library stores; errors name the file. */
export async function readOnnx(file: string): Promise<OnnxRead> {
  try {
    return convertOnnx(await readOnnxFile(file));
  } catch (err) {
    if (err instanceof OnnxImportError) throw new OnnxImportError(`${path.resolve(file)}: ${err.message}`);
    throw err;
  }
}
