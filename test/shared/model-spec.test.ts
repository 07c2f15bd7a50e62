import { describe, expect, it } from 'vitest';
import { describeModel, LayerSpec, ModelSpec, presetOf, presetSpec, problemMessage, weightLayout, type LayerSpecInput } from '../../src/shared/model-spec';

describe('model specs', () => {
  it('gives the seed MLP its 784-128-64-10 shapes and 109,386 parameters', () => {
    const summary = describeModel(presetSpec('mlp'));
    expect(summary.errors).toEqual([]);
    expect(summary.layers.map((l) => l.outputShape)).toEqual([[784], [128], [64], [10]]);
    expect(summary.layers.map((l) => l.params)).toEqual([0, 100_480, 8_256, 650]);
    expect(summary.params).toBe(109_386);
  });

  it('gives the LeNet-style CNN its shapes and 61,706 parameters', () => {
    const summary = describeModel(presetSpec('cnn'));
    expect(summary.errors).toEqual([]);
    expect(summary.layers.map((l) => l.outputShape)).toEqual([[28, 28, 6], [14, 14, 6], [10, 10, 16], [5, 5, 16], [400], [120], [84], [10]]);
    expect(summary.params).toBe(61_706);
  });

  it('checks the registry’s new layers: batch norm keeps its shape and holds 4 weights per channel, average pooling shrinks, global average pooling averages each channel', () => {
    const spec = ModelSpec.parse({
      layers: [
        { type: 'batchNormalization' },
        { type: 'conv2d', filters: 4, kernelSize: 3 },
        { type: 'averagePooling2d', poolSize: 3, strides: 2 },
        { type: 'batchNormalization', momentum: 0.9 },
        { type: 'globalAveragePooling2d' },
        { type: 'dense', units: 10 },
      ],
    });
    expect(spec.layers[0]).toEqual({ type: 'batchNormalization', momentum: 0.99, epsilon: 0.001 });
    const summary = describeModel(spec);
    expect(summary.errors).toEqual([]);
    expect(summary.layers.map((l) => l.outputShape)).toEqual([[28, 28, 1], [26, 26, 4], [12, 12, 4], [12, 12, 4], [4], [10]]);
    expect(summary.layers.map((l) => l.params)).toEqual([4, 40, 0, 16, 0, 50]);
    // tfjs-layers' weight order: every trainable weight first, then the moving statistics.
    expect(weightLayout(spec).map((l) => l.map((w) => `${w.name}@${w.index}`))).toEqual([
      ['gamma@0', 'beta@1', 'moving_mean@8', 'moving_variance@9'],
      ['kernel@2', 'bias@3'],
      [],
      ['gamma@4', 'beta@5', 'moving_mean@10', 'moving_variance@11'],
      [],
      ['kernel@6', 'bias@7'],
    ]);
    const flat = ModelSpec.safeParse({ layers: [{ type: 'flatten' }, { type: 'globalAveragePooling2d' }, { type: 'dense', units: 10 }] });
    expect(flat.error!.issues[0]!.message).toBe('layer 2 (globalAveragePooling2d): needs an image-shaped input (height, width, channels) but gets [784]');
    const big = ModelSpec.safeParse({
      layers: [{ type: 'averagePooling2d', poolSize: 28, strides: 1 }, { type: 'averagePooling2d', poolSize: 2 }, { type: 'flatten' }, { type: 'dense', units: 10 }],
    });
    expect(big.error!.issues[0]!.message).toBe('layer 2 (averagePooling2d): a 2×2 pool does not fit its 1×1 input');
    const momentum = ModelSpec.safeParse({ layers: [{ type: 'batchNormalization', momentum: 1 }, { type: 'flatten' }, { type: 'dense', units: 10 }] });
    expect(momentum.error!.issues[0]).toMatchObject({ path: ['layers', 0, 'momentum'], message: 'must be a number from 0 to below 1' });
  });

  it('replaces the hidden activations of a preset, never the output layer’s', () => {
    const spec = presetSpec('mlp', { activation: 'tanh' });
    expect(spec.layers.map((l) => ('activation' in l ? l.activation : null))).toEqual([null, 'tanh', 'tanh', 'linear']);
  });

  it('reports shape errors by layer, and the layers after a broken one have no shape', () => {
    const spec = ModelSpec.safeParse({ layers: [{ type: 'dense', units: 10 }, { type: 'flatten' }] });
    expect(spec.success).toBe(false);
    const issue = spec.error!.issues[0]!;
    expect(issue.path).toEqual(['layers', 0]);
    expect(issue.message).toBe('layer 1 (dense): needs a flat input but gets [28, 28, 1]: put a flatten layer before it');

    const summary = describeModel({
      name: 'x',
      layers: [
        { type: 'flatten' },
        { type: 'conv2d', filters: 4, kernelSize: 3, strides: 1, padding: 'valid', activation: 'relu' },
        { type: 'dense', units: 10, activation: 'linear' },
      ],
    });
    expect(summary.errors).toEqual([
      { index: 1, message: expect.stringMatching(/^layer 2 \(conv2d\): needs an image-shaped input/), problem: { code: 'needs-image-input', input: [784], layer: 'conv2d' } },
    ]);
    expect(summary.layers[1]!.problem).toEqual({ code: 'needs-image-input', input: [784], layer: 'conv2d' });
    expect(summary.layers[2]!.outputShape).toBeNull();
    expect(summary.layers[2]!.problem).toBeNull();
  });

  it('gives each problem as a code with its numbers and the setting at fault, for a translated message', () => {
    const problems = (layers: LayerSpecInput[]) => describeModel({ name: 'x', layers: layers.map((l) => LayerSpec.parse(l)) }).errors.map((e) => e.problem);
    expect(
      problems([
        { type: 'conv2d', filters: 2, kernelSize: 28 },
        { type: 'conv2d', filters: 2, kernelSize: 3 },
      ]),
    ).toEqual([{ code: 'kernel-too-large', field: 'kernelSize', size: 3, height: 1, width: 1 }]);
    expect(
      problems([
        { type: 'maxPooling2d', poolSize: 28 },
        { type: 'maxPooling2d', poolSize: 2 },
      ]),
    ).toEqual([{ code: 'pool-too-large', field: 'poolSize', size: 2, height: 1, width: 1 }]);
    expect(problems([{ type: 'dense', units: 10 }])).toEqual([{ code: 'needs-flat-input', input: [28, 28, 1] }]);
    expect(problems([{ type: 'flatten' }, { type: 'flatten' }])).toEqual([{ code: 'already-flat' }]);
    expect(problems([{ type: 'flatten' }, { type: 'dense', units: 12 }])).toEqual([{ code: 'wrong-output', output: [12], classes: 10, field: 'units' }]);
    expect(problems([{ type: 'flatten' }, { type: 'dropout', rate: 0.5 }])).toEqual([{ code: 'wrong-output', output: [784], classes: 10 }]);
    const big = problems([
      { type: 'flatten' },
      { type: 'dense', units: 4096 },
      { type: 'dense', units: 4096 },
      { type: 'dense', units: 4096 },
      { type: 'dense', units: 4096 },
      { type: 'dense', units: 10 },
    ]);
    expect(big).toEqual([{ code: 'too-many-params', params: expect.any(Number), max: 50_000_000 }]);
    expect(problemMessage(big[0]!)).toMatch(/parameters; at most 50,000,000 are allowed$/);
  });

  it('says when a kernel or pool does not fit, when flatten is redundant, and when the output is not 10 classes', () => {
    const messages = (layers: unknown[]) => (ModelSpec.safeParse({ layers }).error?.issues ?? []).map((i) => i.message);
    expect(messages([{ type: 'conv2d', filters: 2, kernelSize: 28 }, { type: 'conv2d', filters: 2, kernelSize: 3 }, { type: 'flatten' }, { type: 'dense', units: 10 }])).toEqual([
      'layer 2 (conv2d): a 3×3 kernel does not fit its 1×1 input with padding "valid": use a smaller kernel or padding "same"',
    ]);
    expect(messages([{ type: 'maxPooling2d', poolSize: 28 }, { type: 'maxPooling2d', poolSize: 2 }, { type: 'flatten' }, { type: 'dense', units: 10 }])).toEqual([
      'layer 2 (maxPooling2d): a 2×2 pool does not fit its 1×1 input',
    ]);
    expect(messages([{ type: 'flatten' }, { type: 'flatten' }, { type: 'dense', units: 10 }])).toEqual(['layer 2 (flatten): its input is already flat: remove it']);
    expect(messages([{ type: 'flatten' }, { type: 'dense', units: 12 }])).toEqual([
      'layer 2 (dense): the network must end in the 10 class scores (a dense layer with 10 units) but outputs [12]',
    ]);
    expect(
      messages([
        { type: 'flatten' },
        { type: 'dense', units: 4096 },
        { type: 'dense', units: 4096 },
        { type: 'dense', units: 4096 },
        { type: 'dense', units: 4096 },
        { type: 'dense', units: 10 },
      ]),
    ).toEqual([expect.stringMatching(/^the network has 53,600,266 parameters; at most 50,000,000 are allowed$/)]);
  });

  it('rejects unknown layer types, unknown keys and out-of-range settings, naming the field', () => {
    const issue = (layers: unknown[]) => {
      const i = ModelSpec.safeParse({ layers }).error!.issues[0]!;
      return `${i.path.join('.')}: ${i.message}`;
    };
    expect(issue([{ type: 'lstm' }])).toBe(
      'layers.0.type: type must be one of dense, conv2d, maxPooling2d, averagePooling2d, globalAveragePooling2d, batchNormalization, flatten, dropout',
    );
    expect(issue([{ type: 'flatten' }, { type: 'dense', units: 0 }])).toBe('layers.1.units: must be a whole number from 1 to 4096');
    expect(issue([{ type: 'flatten' }, { type: 'dense', units: 10, activation: 'softmax' }])).toBe('layers.1.activation: activation must be one of relu, sigmoid, tanh, linear');
    expect(issue([{ type: 'flatten' }, { type: 'dropout', rate: 1 }, { type: 'dense', units: 10 }])).toBe('layers.1.rate: must be a number from 0 to below 1');
    expect(issue([{ type: 'flatten', units: 3 }])).toMatch(/^layers\.0: Unrecognized key: "units"/);
    expect(issue([])).toBe('layers: must hold 1 to 32 layers');
  });

  it('knows a preset by its name and layers, with any hidden activation, whatever order its fields are in', () => {
    expect(presetOf(presetSpec('mlp'))).toBe('mlp');
    expect(presetOf(ModelSpec.parse(presetSpec('cnn', { activation: 'sigmoid' })))).toBe('cnn');
    const reordered = { name: 'mlp', layers: presetSpec('mlp').layers.map((l) => Object.fromEntries(Object.entries(l).reverse()) as typeof l) };
    expect(presetOf(reordered)).toBe('mlp');
    expect(presetOf({ ...presetSpec('mlp'), name: 'custom' })).toBeNull();
    expect(presetOf({ name: 'cnn', layers: presetSpec('mlp').layers })).toBeNull();
    expect(presetOf({ name: 'mlp', layers: presetSpec('mlp').layers.slice(1) })).toBeNull();
  });
});
