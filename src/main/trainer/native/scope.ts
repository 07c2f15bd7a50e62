/**
 * Native ids and the ops that make them. Native handles are not tfjs
 * tensors: tf.tidy and tf.memory() do not see them. Every id is created
 * through `NativeScope` and freed by it: the step's intermediates after
 * each step, the rest (variables, constants) in `dispose()`.
 */
import type { NativeAttr, NativeBinding } from './binding';
import { Recording, StepGraphs, type VariableInfo } from './graph';

/** TF's dtype and attribute codes, and prebuilt attribute lists (reused every step: no per-op allocation). */
export class Attrs {
  readonly F: number;
  readonly I: number;
  /** `T: float32`, the attribute list of most ops here. */
  readonly T: NativeAttr[];
  constructor(private readonly b: NativeBinding) {
    this.F = b.TF_FLOAT;
    this.I = b.TF_INT32;
    this.T = [this.type('T', this.F)];
  }
  type(name: string, dtype: number): NativeAttr {
    return { name, type: this.b.TF_ATTR_TYPE, value: dtype };
  }
  bool(name: string, value: boolean): NativeAttr {
    return { name, type: this.b.TF_ATTR_BOOL, value };
  }
  int(name: string, value: number | number[]): NativeAttr {
    return { name, type: this.b.TF_ATTR_INT, value };
  }
  float(name: string, value: number): NativeAttr {
    return { name, type: this.b.TF_ATTR_FLOAT, value };
  }
  str(name: string, value: string): NativeAttr {
    return { name, type: this.b.TF_ATTR_STRING, value };
  }
  shape(name: string, value: number[]): NativeAttr {
    return { name, type: this.b.TF_ATTR_SHAPE, value };
  }
  /** GatherV2 of a `dtype` tensor by int32 rows. */
  gather(dtype: number): NativeAttr[] {
    return [this.type('Tparams', dtype), this.type('Tindices', this.I), this.type('Taxis', this.I), this.int('batch_dims', 0)];
  }
  /** Conv2D and its backprops, NHWC, undilated. */
  conv(stride: number, padding: 'SAME' | 'VALID'): NativeAttr[] {
    return [
      this.type('T', this.F),
      this.int('strides', [1, stride, stride, 1]),
      this.bool('use_cudnn_on_gpu', true),
      this.str('padding', padding),
      this.str('data_format', 'NHWC'),
      this.int('dilations', [1, 1, 1, 1]),
    ];
  }
  /** Mean, Sum …: float32 over int32 axes. */
  reduce(keepDims: boolean): NativeAttr[] {
    return [this.type('T', this.F), this.type('Tidx', this.I), this.bool('keep_dims', keepDims)];
  }
}

/** Variable names are process-wide in TF's resource manager: unique per path instance. */
let pathCounter = 0;

/**
 * Owns native ids. `op*` results are step-scoped (freed by `endStep`),
 * `constant*` and variables live until `dispose`. `live` counts them all,
 * so a test can see that nothing leaks.
 */
export class NativeScope {
  private readonly scratch: number[] = [];
  /** Variable reads: freed before the optimizer runs, so its kernels update in place instead of copying a buffer still read. */
  private readonly reads: number[] = [];
  private readonly owned: number[] = [];
  private readonly variables: number[] = [];
  /** Every variable's name in TF's resource manager, kept after `dispose` (a test checks each is gone). */
  readonly variableNames: string[] = [];
  readonly a: Attrs;
  private readonly readAttrs: NativeAttr[];
  private readonly prefix = `mnist_studio_${process.pid}_${++pathCounter}`;
  private readonly variableInfo: VariableInfo[] = [];
  /** The ops of a lazy step (see `beginLazy`), or null while ops run as they are called. */
  private lazy: Recording | null = null;
  /** Lazy steps compiled into graphs (graph.ts). */
  readonly graphs: StepGraphs;

  constructor(
    readonly b: NativeBinding,
    /** Test-only: step graphs that do not load (see StepGraphs). */
    brokenGraphs = false,
  ) {
    this.a = new Attrs(b);
    this.readAttrs = [this.a.type('dtype', this.a.F)];
    this.graphs = new StepGraphs(b, () => this.variableInfo, brokenGraphs);
  }

  /**
   * From here to `flush`, ops are recorded instead of run and return
   * symbolic (negative) ids; tensors made from values (`int32`, `scalar`,
   * constants) are still made at once. Nothing may read a value meanwhile.
   */
  beginLazy(): void {
    this.lazy = new Recording();
  }

  /** Runs the lazy step (as one graph when it matches a compiled one); returns the real ids of `keep`, step-scoped like any op's. */
  flush(keep: number[]): number[] {
    const rec = this.lazy;
    if (!rec) throw new Error('flush without beginLazy');
    this.lazy = null;
    const { kept, made } = this.graphs.run(rec, keep);
    this.scratch.push(...made, ...kept);
    return kept;
  }

  /** Drops a lazy step's recording (a step that failed before `flush`). */
  abandonLazy(): void {
    this.lazy = null;
  }

  op(name: string, attrs: NativeAttr[], inputs: number[]): number {
    if (this.lazy) return this.lazy.add(name, attrs, inputs, 1)[0]!;
    const id = this.b.executeOp(name, attrs, inputs, 1)[0]!.id;
    this.scratch.push(id);
    return id;
  }

  op2(name: string, attrs: NativeAttr[], inputs: number[]): [number, number] {
    const [a, b] = this.opN(name, attrs, inputs, 2);
    return [a!, b!];
  }

  opN(name: string, attrs: NativeAttr[], inputs: number[], outputs: number): number[] {
    if (this.lazy) return this.lazy.add(name, attrs, inputs, outputs);
    const ids = this.b.executeOp(name, attrs, inputs, outputs).map((o) => o.id);
    this.scratch.push(...ids);
    return ids;
  }

  /** An op with no outputs (assignments, optimizer kernels). */
  run(name: string, attrs: NativeAttr[], inputs: number[]): void {
    if (this.lazy) {
      this.lazy.add(name, attrs, inputs, 0);
      return;
    }
    this.graphs.toEager();
    this.b.executeOp(name, attrs, inputs, 0);
  }

  /**
   * A step-scoped int32 tensor of `values`. The binding may keep using the
   * array's memory (it wraps V8 memory without a copy when it is aligned):
   * `values` must not change while the tensor lives.
   */
  int32(shape: number[], values: Int32Array): number {
    const id = this.b.createTensor(shape, this.a.I, values);
    this.scratch.push(id);
    return id;
  }

  /** A step-scoped float32 tensor of `values` (which must not change while it lives, as for `int32`). */
  float32(shape: number[], values: Float32Array): number {
    const id = this.b.createTensor(shape, this.a.F, values);
    this.scratch.push(id);
    return id;
  }

  /** A step-scoped float32 scalar, in memory of its own (see `int32`). */
  scalar(value: number): number {
    const id = this.b.createTensor([], this.a.F, Float32Array.of(value));
    this.scratch.push(id);
    return id;
  }

  constantF(shape: number[], values: ArrayLike<number>): number {
    const id = this.b.createTensor(shape, this.a.F, Float32Array.from(values));
    this.owned.push(id);
    return id;
  }

  constantI(shape: number[], values: ArrayLike<number>): number {
    const id = this.b.createTensor(shape, this.a.I, Int32Array.from(values));
    this.owned.push(id);
    return id;
  }

  /** Keeps a step-scoped id (an op result) until `dispose`. */
  /** Frees the constant `old` and makes another in its place (a learning rate changed by a schedule). */
  replaceConstantF(old: number, shape: number[], values: ArrayLike<number>): number {
    const k = this.owned.lastIndexOf(old);
    if (k >= 0) this.owned.splice(k, 1);
    this.b.deleteTensor(old);
    return this.constantF(shape, values);
  }

  own(id: number): number {
    const k = this.scratch.lastIndexOf(id);
    if (k >= 0) this.scratch.splice(k, 1);
    this.owned.push(id);
    return id;
  }

  /** A float32 resource variable holding `initial` (an id; the variable copies it on first update). */
  variable(shape: number[], initial: number): number {
    const name = `${this.prefix}_${this.variableNames.length}`;
    const handle = this.b.executeOp(
      'VarHandleOp',
      [this.a.type('dtype', this.a.F), this.a.shape('shape', shape), this.a.str('container', ''), this.a.str('shared_name', name)],
      [],
      1,
    )[0]!.id;
    this.variables.push(handle);
    this.variableNames.push(name);
    this.variableInfo.push({ handle, name, shape });
    this.run('AssignVariableOp', [this.a.type('dtype', this.a.F), this.a.bool('validate_shape', false)], [handle, initial]);
    return handle;
  }

  /** A variable of zeros (optimizer slots). */
  zeros(shape: number[]): number {
    const init = this.b.createTensor(shape, this.a.F, new Float32Array(shape.reduce((p, d) => p * d, 1)));
    try {
      return this.variable(shape, init);
    } finally {
      this.b.deleteTensor(init);
    }
  }

  read(handle: number): number {
    if (this.lazy) return this.lazy.add('ReadVariableOp', this.readAttrs, [handle], 1)[0]!;
    this.graphs.toEager();
    const id = this.b.executeOp('ReadVariableOp', this.readAttrs, [handle], 1)[0]!.id;
    this.reads.push(id);
    return id;
  }

  freeReads(): void {
    for (const id of this.reads) this.b.deleteTensor(id);
    this.reads.length = 0;
  }

  /** Frees the step's intermediates except `keep` (handed over to the caller, who frees them with `free`). */
  endStep(keep: number[] = []): void {
    this.freeReads();
    for (const id of this.scratch) if (!keep.includes(id)) this.b.deleteTensor(id);
    this.scratch.length = 0;
  }

  free(ids: number[]): void {
    for (const id of ids) this.b.deleteTensor(id);
  }

  /** Handles this scope holds right now (intermediates, constants, variable handles). */
  get live(): number {
    return this.scratch.length + this.reads.length + this.owned.length + this.variables.length;
  }

  /** Destroys every variable (DestroyResourceOp frees its buffer) and deletes every handle. Idempotent. */
  dispose(): void {
    this.lazy = null;
    this.graphs.dispose();
    this.endStep();
    for (const handle of this.variables) {
      try {
        this.run('DestroyResourceOp', [this.a.bool('ignore_lookup_error', true)], [handle]);
      } finally {
        this.b.deleteTensor(handle);
      }
    }
    this.variables.length = 0;
    this.free(this.owned);
    this.owned.length = 0;
  }
}

/** Constants that depend on the batch size (1 / batch, a shape, zeros of a block; also plain numbers, such as a step's towers), made once per size seen. */
export class PerBatchConstant {
  private readonly values = new Map<number, number>();
  /** `make` gives the value for a batch size (a constant's id is made through the scope, which frees it in `dispose`). */
  constructor(private readonly make: (batch: number) => number) {}
  get(batch: number): number {
    let id = this.values.get(batch);
    if (id === undefined) {
      id = this.make(batch);
      this.values.set(batch, id);
    }
    return id;
  }
}
