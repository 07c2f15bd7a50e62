import { describe, expect, it } from 'vitest';
import { presetSpec } from '../../src/shared/model-spec';
import { checkDraft, draftFromSpec, layerInput, matchingPreset, moveItem, newLayer, type DraftModel } from '../../src/renderer/src/stores/model-draft';

const mlp = () => draftFromSpec(presetSpec('mlp'));
const withLayers = (model: DraftModel, change: (layers: DraftModel['layers']) => DraftModel['layers']): DraftModel => ({ ...model, layers: change(model.layers) });

describe('the model editor’s draft', () => {
  it('round-trips both presets: the same spec back, shapes and parameters from the shape check, and the preset recognised', () => {
    for (const preset of ['mlp', 'cnn'] as const) {
      const check = checkDraft(draftFromSpec(presetSpec(preset)));
      expect(check.spec).toEqual(presetSpec(preset));
      expect(check.issues).toBe(0);
      expect(matchingPreset(check.spec)).toBe(preset);
    }
    const check = checkDraft(mlp());
    expect(check.layers.map((l) => l.outputShape)).toEqual([[784], [128], [64], [10]]);
    expect(check.layers.map((l) => l.params)).toEqual([0, 100480, 8256, 650]);
    expect(check.params).toBe(109386);
    expect(check.outputShape).toEqual([10]);
  });

  it('gives only a layer type’s own fields to the schema, and leaves an empty optional field to its default', () => {
    const conv = { ...newLayer('conv2d'), filters: 8, kernelSize: 3, strides: null, padding: 'valid' as const, activation: 'tanh' as const, units: 999 };
    expect(layerInput(conv)).toEqual({ type: 'conv2d', filters: 8, kernelSize: 3, padding: 'valid', activation: 'tanh' });
    const model = withLayers(mlp(), (layers) => [conv, { ...newLayer('maxPooling2d'), poolSize: null, strides: null }, ...layers]);
    const check = checkDraft(model);
    expect(check.spec?.layers[0]).toEqual({ type: 'conv2d', filters: 8, kernelSize: 3, strides: 1, padding: 'valid', activation: 'tanh' });
    expect(check.spec?.layers[1]).toEqual({ type: 'maxPooling2d', poolSize: 2 });
    expect(check.layers[1]!.outputShape).toEqual([13, 13, 8]);
  });

  it('marks each field the schema refuses, shapes the layers before the first bad one only, and asks nothing of the end of an incomplete network', () => {
    const model = withLayers(mlp(), (layers) => layers.map((l, i) => (i === 1 ? { ...l, units: 0 } : i === 2 ? { ...l, units: null } : l)));
    const check = checkDraft(model);
    expect(check.spec).toBeNull();
    expect(check.layers.map((l) => l.invalid)).toEqual([[], ['units'], ['units'], []]);
    expect(check.layers.map((l) => l.outputShape)).toEqual([[784], null, null, null]);
    expect(check.layers.every((l) => l.problem === null)).toBe(true);
    expect(check.outputShape).toBeNull();
    expect(check.issues).toBe(2);

    const rate = checkDraft(withLayers(mlp(), (layers) => [...layers.slice(0, 2), { ...newLayer('dropout'), rate: 1 }, ...layers.slice(2)]));
    expect(rate.layers[2]!.invalid).toEqual(['rate']);
    const nan = checkDraft(withLayers(mlp(), (layers) => layers.map((l, i) => (i === 1 ? { ...l, units: Number.NaN } : l))));
    expect(nan.layers[1]!.invalid).toEqual(['units']);
  });

  it('puts a shape problem on the layer at fault, with the setting to change when there is one', () => {
    const noFlatten = checkDraft(withLayers(mlp(), (layers) => layers.slice(1)));
    expect(noFlatten.layers[0]!.problem).toEqual({ code: 'needs-flat-input', input: [28, 28, 1] });
    expect(noFlatten.layers.slice(1).map((l) => l.outputShape)).toEqual([null, null]);
    expect(noFlatten.issues).toBe(1);

    const twelve = checkDraft(withLayers(mlp(), (layers) => layers.map((l, i) => (i === 3 ? { ...l, units: 12 } : l))));
    expect(twelve.layers[3]!.problem).toEqual({ code: 'wrong-output', output: [12], classes: 10, field: 'units' });
    expect(twelve.spec).toBeNull();

    const kernel = checkDraft(
      withLayers(mlp(), (layers) => [{ ...newLayer('conv2d'), kernelSize: 28, padding: 'valid' }, { ...newLayer('conv2d'), kernelSize: 3, padding: 'valid' }, ...layers]),
    );
    expect(kernel.layers[1]!.problem).toMatchObject({ code: 'kernel-too-large', field: 'kernelSize' });
  });

  it('refuses an empty or too long name, and reports too many parameters for the network as a whole', () => {
    expect(checkDraft({ ...mlp(), name: '  ' }).nameInvalid).toBe(true);
    expect(checkDraft({ ...mlp(), name: 'x'.repeat(65) }).spec).toBeNull();
    expect(checkDraft({ ...mlp(), name: ' mine ' }).spec?.name).toBe('mine');
    const huge = checkDraft(withLayers(mlp(), (layers) => [layers[0]!, ...Array.from({ length: 4 }, () => ({ ...newLayer('dense'), units: 4096 })), layers[3]!]));
    expect(huge.modelProblem).toMatchObject({ code: 'too-many-params', max: 50_000_000 });
    expect(huge.spec).toBeNull();
  });

  it('moves one item and leaves the list alone for a move off its ends', () => {
    expect(moveItem(['a', 'b', 'c', 'd'], 3, 1)).toEqual(['a', 'd', 'b', 'c']);
    expect(moveItem(['a', 'b', 'c', 'd'], 0, 3)).toEqual(['b', 'c', 'd', 'a']);
    expect(moveItem(['a', 'b'], 0, -1)).toEqual(['a', 'b']);
    expect(moveItem(['a', 'b'], 1, 2)).toEqual(['a', 'b']);
  });

  it('keeps each layer’s identity across edits and gives new layers new keys', () => {
    const a = newLayer('dense');
    const b = newLayer('dense');
    expect(a.key).not.toBe(b.key);
    const model = mlp();
    expect(new Set(model.layers.map((l) => l.key)).size).toBe(4);
  });
});
