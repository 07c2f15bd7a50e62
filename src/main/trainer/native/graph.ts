/**
 * A native step run as one TensorFlow graph. While a step is lazy, the
 * scope records its ops instead of running them (`Recording`); at the end
 * of the step the recording either matches the graph compiled from an
 * earlier one and runs as one session call (tfjs-node's SavedModel
 * binding: `loadSavedModel`/`runSavedModel`), or runs op by op as before.
 * One session call costs what one eager op costs, instead of one per op
 * (~110 for LeNet), and lets TensorFlow's executor run independent ops on
 * separate cores (TF_NUM_INTEROP_THREADS).
 *
 * The graph is the recording itself: each op a node with the same
 * attributes, each tensor made outside the step (a batch's rows, the data
 * set, a constant) a placeholder fed with the same handle each run, each
 * variable a graph variable of the same name. The session's variables are
 * its own (a session has its own resource manager): whichever side trained
 * last holds the weights, and `toEager`/`toGraph` copy them across before
 * the other side runs. Ops on one variable keep their order through
 * control edges; ops with no outputs (the optimizer's) run before the
 * step's results are fetched.
 */
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NativeAttr, NativeBinding } from './binding';

/**
 * Whether steps run as graphs: `MNIST_STUDIO_STEP_GRAPHS=0` keeps every step
 * op by op (with the formulations made for that: folded convolutions, the
 * measured filter gradients); unset or 1, graphs. Anything else is an error
 * naming the variable.
 */
export function stepGraphsWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.MNIST_STUDIO_STEP_GRAPHS;
  if (value === undefined || value === '' || value === '1') return true;
  if (value === '0') return false;
  throw new Error(`MNIST_STUDIO_STEP_GRAPHS must be 0 or 1, not ${value}`);
}

/** One op of a lazy step; its outputs are the symbolic ids `first`…`first - outputs + 1` (negative). */
export interface LazyCall {
  name: string;
  attrs: NativeAttr[];
  inputs: number[];
  outputs: number;
  first: number;
}

/** A graph variable's counterpart: the scope's variable handle, its name and shape. */
export interface VariableInfo {
  handle: number;
  name: string;
  shape: number[];
}

/** A lazy step's ops, in order. */
export class Recording {
  readonly calls: LazyCall[] = [];
  /** From -2 down: -1 is what the layers use for "none" (no input gradient, no mask). */
  private next = -2;
  /** Records an op; returns its outputs' symbolic ids. */
  add(name: string, attrs: NativeAttr[], inputs: number[], outputs: number): number[] {
    const first = this.next;
    this.calls.push({ name, attrs, inputs, outputs, first });
    this.next -= outputs;
    return Array.from({ length: outputs }, (_, k) => first - k);
  }
}

/** A recording's shape: ops, attributes and wiring, with every outside tensor by order of first use; and those tensors. */
interface Signature {
  key: string;
  /** Outside (non-variable) tensors in order of first use: the graph's feeds. */
  feeds: number[];
}

/** Key of an attribute list; lists reused from step to step are keyed once. */
const attrKeys = new WeakMap<NativeAttr[], string>();
function attrKey(attrs: NativeAttr[]): string {
  let key = attrKeys.get(attrs);
  if (key === undefined) {
    key = JSON.stringify(attrs.map((x) => [x.name, x.type, x.value]));
    attrKeys.set(attrs, key);
  }
  return key;
}

/** Index of a symbolic id's call and output. */
function symbolic(rec: Recording): Map<number, [number, number]> {
  const map = new Map<number, [number, number]>();
  rec.calls.forEach((c, k) => {
    for (let j = 0; j < c.outputs; j++) map.set(c.first - j, [k, j]);
  });
  return map;
}

function signature(rec: Recording, variables: ReadonlySet<number>): Signature {
  const feeds: number[] = [];
  const feedIndex = new Map<number, number>();
  const parts: string[] = [];
  for (const c of rec.calls) {
    let wiring = '';
    for (const id of c.inputs) {
      if (id < 0) wiring += `${id},`;
      else if (variables.has(id)) wiring += `v${id},`;
      else {
        let f = feedIndex.get(id);
        if (f === undefined) {
          f = feeds.length;
          feeds.push(id);
          feedIndex.set(id, f);
        }
        wiring += `x${f},`;
      }
    }
    parts.push(`${c.name}(${wiring})${c.outputs}${attrKey(c.attrs)}`);
  }
  return { key: parts.join(';'), feeds };
}

/** tfjs-node's generated TensorFlow protobuf messages (SavedModel, GraphDef …): the schema TensorFlow itself reads. */
interface Message {
  serializeBinary(): Uint8Array;
  [setter: string]: unknown;
}
type Ctor = new () => Message;
interface Protos {
  SavedModel: Ctor;
  MetaGraphDef: Ctor & { MetaInfoDef: Ctor };
  GraphDef: Ctor;
  NodeDef: Ctor;
  AttrValue: Ctor & { ListValue: Ctor };
  TensorShape: Ctor & { Dim: Ctor };
  Tensor: Ctor;
  VersionDef: Ctor;
}
let protos: Protos | null = null;
function loadProtos(): Protos {
  protos ??= createRequire(import.meta.url)('@tensorflow/tfjs-node/dist/proto/api_pb.js') as Protos;
  return protos;
}
function call(m: Message, method: string, ...args: unknown[]): Message {
  (m[method] as (...a: unknown[]) => unknown).apply(m, args);
  return m;
}

/** A graph under construction: nodes by name. */
class GraphBuilder {
  readonly p = loadProtos();
  readonly graph = new this.p.GraphDef();
  private readonly utf8 = new TextEncoder();
  constructor(private readonly b: NativeBinding) {}

  node(name: string, op: string, inputs: string[], attrs: NativeAttr[]): string {
    const n = new this.p.NodeDef();
    call(n, 'setName', name);
    call(n, 'setOp', op);
    for (const i of inputs) call(n, 'addInput', i);
    const map = (n.getAttrMap as () => { set(k: string, v: Message): void }).call(n);
    for (const a of attrs) map.set(a.name, this.attr(a));
    call(this.graph, 'addNode', n);
    return name;
  }

  private shape(dims: number[]): Message {
    const s = new this.p.TensorShape();
    for (const d of dims) call(s, 'addDim', call(new this.p.TensorShape.Dim(), 'setSize', d));
    return s;
  }

  private attr(a: NativeAttr): Message {
    const v = new this.p.AttrValue();
    const b = this.b;
    const { value } = a;
    if (a.type === b.TF_ATTR_SHAPE) return call(v, 'setShape', this.shape(value as number[]));
    if (a.type === b.TF_ATTR_STRING) return call(v, 'setS', this.utf8.encode(String(value)));
    const [single, add] =
      a.type === b.TF_ATTR_INT
        ? ['setI', 'addI']
        : a.type === b.TF_ATTR_FLOAT
          ? ['setF', 'addF']
          : a.type === b.TF_ATTR_BOOL
            ? ['setB', 'addB']
            : a.type === b.TF_ATTR_TYPE
              ? ['setType', 'addType']
              : [null, null];
    if (!single || !add) throw new Error(`attribute ${a.name}: type ${a.type} has no graph form here`);
    if (!Array.isArray(value)) return call(v, single, value);
    const list = new this.p.AttrValue.ListValue();
    for (const x of value) call(list, add, x);
    return call(v, 'setList', list);
  }

  /** A float32 scalar constant. */
  zero(name: string): string {
    const t = new this.p.Tensor();
    call(t, 'setDtype', this.b.TF_FLOAT);
    call(t, 'setTensorShape', this.shape([]));
    call(t, 'addFloatVal', 0);
    const v = call(new this.p.AttrValue(), 'setTensor', t);
    const n = new this.p.NodeDef();
    call(n, 'setName', name);
    call(n, 'setOp', 'Const');
    const map = (n.getAttrMap as () => { set(k: string, v: Message): void }).call(n);
    map.set('dtype', call(new this.p.AttrValue(), 'setType', this.b.TF_FLOAT));
    map.set('value', v);
    call(this.graph, 'addNode', n);
    return name;
  }

  /** The SavedModel (one meta graph, tag `serve`, no variables to restore) in a fresh folder; returns the folder. */
  save(): string {
    // The graph version of libtensorflow 2.9 (tfjs-node's own download); 2.21 (the wheel's, 2474) reads it as well.
    const versions = call(new this.p.VersionDef(), 'setProducer', 1087);
    call(this.graph, 'setVersions', versions);
    const info = call(new this.p.MetaGraphDef.MetaInfoDef(), 'addTags', 'serve');
    const meta = call(call(new this.p.MetaGraphDef(), 'setMetaInfoDef', info), 'setGraphDef', this.graph);
    const model = call(call(new this.p.SavedModel(), 'setSavedModelSchemaVersion', 1), 'addMetaGraphs', meta);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mnist-studio-step-'));
    fs.mkdirSync(path.join(dir, 'variables'));
    fs.writeFileSync(path.join(dir, 'saved_model.pb'), model.serializeBinary());
    return dir;
  }
}

/**
 * dtype of a handle, as the binding reports it for an Identity of it (which
 * shares the buffer: no copy, where reading the data would copy a whole
 * data set). TensorFlow runs Identity whatever its T says; the output
 * handle carries the tensor's own dtype (binding.test.ts checks this).
 */
export function dtypeOf(b: NativeBinding, id: number): number {
  const [out] = b.executeOp('Identity', [{ name: 'T', type: b.TF_ATTR_TYPE, value: b.TF_FLOAT }], [id], 1);
  b.deleteTensor(out!.id);
  return out!.dtype;
}

/** The node a push fetches: it runs once every variable is assigned. */
const PUSHED = 'pushed';

/** A compiled step: its session, the signature it was built from, its feed and fetch names. */
interface Compiled {
  key: string;
  session: number;
  feedNames: string;
  /** Names of the recorded outputs each run fetches, by symbolic id. */
  fetchOf: Map<number, string>;
  variables: VariableInfo[];
  pushNames: string;
  pullNames: string;
}

/**
 * A path's step graph: the first lazy step is compiled (after it ran op by
 * op); a later step that matches it runs as one session call, any other op
 * by op, the weights following whichever side runs.
 */
export class StepGraphs {
  private compiled: Compiled | null = null;
  /** Where the compiled graph's variables' current values are. */
  private holder: 'eager' | 'graph' = 'eager';
  /** Why graphs are off (a compile failed); null while they are on. */
  disabledBy: string | null = null;
  /** Steps run as one graph, and op by op (for tests and the run's record). */
  readonly counts = { graph: 0, eager: 0 };
  private handleSet = new Set<number>();

  constructor(
    private readonly b: NativeBinding,
    private readonly variables: () => VariableInfo[],
    /** Test-only (NativeFault `graph`): every graph gets a node of an op TensorFlow does not have. */
    private readonly broken = false,
  ) {}

  /** The variables' handles, as a set; made again only when a variable was added (they all are before the first step). */
  private handles(): ReadonlySet<number> {
    const variables = this.variables();
    if (this.handleSet.size !== variables.length) this.handleSet = new Set(variables.map((v) => v.handle));
    return this.handleSet;
  }

  /** Before eager ops read or write the variables: copies the graph's values into them, if the graph trained last. */
  toEager(): void {
    const c = this.compiled;
    if (!c || this.holder === 'eager') return;
    const outs = this.b.runSavedModel(c.session, [], '', c.pullNames);
    try {
      c.variables.forEach((v, i) => this.b.executeOp('AssignVariableOp', [{ name: 'dtype', type: this.b.TF_ATTR_TYPE, value: this.b.TF_FLOAT }], [v.handle, outs[i]!.id], 0));
    } finally {
      for (const o of outs) this.b.deleteTensor(o.id);
    }
    this.holder = 'eager';
  }

  private toGraph(c: Compiled): void {
    if (this.holder === 'graph') return;
    const attrs = [{ name: 'dtype', type: this.b.TF_ATTR_TYPE, value: this.b.TF_FLOAT }];
    const reads = c.variables.map((v) => this.b.executeOp('ReadVariableOp', attrs, [v.handle], 1)[0]!.id);
    try {
      const [done] = this.b.runSavedModel(c.session, reads, c.pushNames, `${PUSHED}:0`);
      this.b.deleteTensor(done!.id);
    } finally {
      for (const id of reads) this.b.deleteTensor(id);
    }
    this.holder = 'graph';
  }

  /**
   * Runs a lazy step's recording; returns the real ids of `keep` (symbolic
   * ids of its outputs) and every other real id it made (the step's
   * intermediates, for the scope to free).
   */
  run(rec: Recording, keep: number[]): { kept: number[]; made: number[] } {
    const sig = signature(rec, this.handles());
    const c = this.compiled;
    if (c && c.key === sig.key && keep.every((k) => c.fetchOf.has(k))) {
      this.toGraph(c);
      const outs = this.b.runSavedModel(c.session, sig.feeds, c.feedNames, keep.map((k) => c.fetchOf.get(k)!).join(','));
      this.counts.graph++;
      return { kept: outs.map((o) => o.id), made: [] };
    }
    this.toEager();
    const result = this.eager(rec, keep);
    this.counts.eager++;
    if (!c && this.disabledBy === null) {
      try {
        this.compiled = this.compile(rec, sig, keep, result.dtypes);
      } catch (err) {
        this.disabledBy = err instanceof Error ? err.message : String(err);
      }
    }
    return { kept: result.kept, made: result.made };
  }

  /** Runs the recording op by op; also returns each symbolic id's dtype. */
  private eager(rec: Recording, keep: number[]): { kept: number[]; made: number[]; dtypes: Map<number, number> } {
    const real = new Map<number, number>();
    const dtypes = new Map<number, number>();
    const made: number[] = [];
    try {
      for (const c of rec.calls) {
        const inputs = c.inputs.map((id) => (id < 0 ? real.get(id)! : id));
        const outs = this.b.executeOp(c.name, c.attrs, inputs, c.outputs);
        outs.forEach((o, j) => {
          real.set(c.first - j, o.id);
          dtypes.set(c.first - j, o.dtype);
          made.push(o.id);
        });
      }
    } catch (err) {
      for (const id of made) this.b.deleteTensor(id);
      throw err;
    }
    const kept = keep.map((k) => real.get(k)!);
    return { kept, made: made.filter((id) => !kept.includes(id)), dtypes };
  }

  private compile(rec: Recording, sig: Signature, keep: number[], dtypes: Map<number, number>): Compiled {
    const b = this.b;
    const g = new GraphBuilder(b);
    const sym = symbolic(rec);
    const byHandle = new Map(this.variables().map((v) => [v.handle, v]));
    const dtypeAttr = (name: string, value: number): NativeAttr => ({ name, type: b.TF_ATTR_TYPE, value });
    const used: VariableInfo[] = [];
    const varNode = new Map<number, string>();
    const variableNode = (handle: number): string => {
      let name = varNode.get(handle);
      if (name === undefined) {
        const v = byHandle.get(handle)!;
        name = g.node(
          `var${used.length}`,
          'VarHandleOp',
          [],
          [
            dtypeAttr('dtype', b.TF_FLOAT),
            { name: 'shape', type: b.TF_ATTR_SHAPE, value: v.shape },
            { name: 'container', type: b.TF_ATTR_STRING, value: '' },
            { name: 'shared_name', type: b.TF_ATTR_STRING, value: v.name },
          ],
        );
        varNode.set(handle, name);
        used.push(v);
      }
      return name;
    };
    // Placeholders of any shape: a short last batch runs the same graph (measured: known shapes gained nothing).
    const feedNodes = sig.feeds.map((id, f) => g.node(`feed${f}`, 'Placeholder', [], [dtypeAttr('dtype', dtypeOf(b, id))]));
    const feedOf = new Map(sig.feeds.map((id, f) => [id, feedNodes[f]!]));
    const lastUse = new Map<number, string>();
    const sideEffects: string[] = [];
    rec.calls.forEach((c, k) => {
      const name = `op${k}`;
      const inputs = c.inputs.map((id) => {
        if (id < 0) {
          const [call, out] = sym.get(id)!;
          return out === 0 ? `op${call}` : `op${call}:${out}`;
        }
        return byHandle.has(id) ? variableNode(id) : feedOf.get(id)!;
      });
      // Ops on one variable run in the recorded order.
      const control: string[] = [];
      for (const id of c.inputs) {
        if (id >= 0 && byHandle.has(id)) {
          const prev = lastUse.get(id);
          if (prev) control.push(`^${prev}`);
          lastUse.set(id, name);
        }
      }
      g.node(name, c.name, [...inputs, ...control], c.attrs);
      if (c.outputs === 0) sideEffects.push(`^${name}`);
    });
    const fetchOf = new Map<number, string>();
    keep.forEach((id, i) => {
      const [call, out] = sym.get(id)!;
      const name = g.node(`fetch${i}`, 'Identity', [out === 0 ? `op${call}` : `op${call}:${out}`, ...sideEffects], [dtypeAttr('T', dtypes.get(id)!)]);
      fetchOf.set(id, `${name}:0`);
    });
    // Copies of the variables in and out.
    const assigns = used.map((v, i) => {
      const ph = g.node(`push${i}`, 'Placeholder', [], [dtypeAttr('dtype', b.TF_FLOAT)]);
      return `^${g.node(`assign${i}`, 'AssignVariableOp', [varNode.get(v.handle)!, ph], [dtypeAttr('dtype', b.TF_FLOAT)])}`;
    });
    g.zero('zero');
    g.node(PUSHED, 'Identity', ['zero', ...assigns], [dtypeAttr('T', b.TF_FLOAT)]);
    used.forEach((v, i) => g.node(`pull${i}`, 'ReadVariableOp', [varNode.get(v.handle)!], [dtypeAttr('dtype', b.TF_FLOAT)]));
    if (this.broken) g.node('broken', 'MnistStudioNoSuchOp', [], []);
    const dir = g.save();
    let session: number;
    try {
      session = b.loadSavedModel(dir, 'serve');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    return {
      key: sig.key,
      session,
      feedNames: feedNodes.map((n) => `${n}:0`).join(','),
      fetchOf,
      variables: used,
      pushNames: used.map((_, i) => `push${i}:0`).join(','),
      pullNames: used.map((_, i) => `pull${i}:0`).join(','),
    };
  }

  dispose(): void {
    if (this.compiled) {
      // The eager variables get the trained values back: the scope frees them next.
      this.b.deleteSavedModel(this.compiled.session);
      this.compiled = null;
    }
  }
}
