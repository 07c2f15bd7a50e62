import type { DropoutSpec, FlattenSpec } from '@shared/layers/shape';
import { nextSeed } from '../random';
import { IdentityLayer } from '../native/layer';
import { DropoutLayer, FlattenLayer } from '../native/layers';
import { int, ints } from './onnx-graph';
import type { MainLayerDef } from './types';

export const flatten: MainLayerDef<FlattenSpec> = {
  type: 'flatten',
  build: (_layer, { tf, input }) => tf.layers.flatten(input),
  // A leading flatten is done once on the whole split (see NativePath).
  native: (_layer, { s, input, first }) => (first ? new IdentityLayer() : new FlattenLayer(s, input)),
  onnx(_layer, { g, prefix }) {
    // TF.js flattens NHWC (channels fastest): transpose back first so the next dense layer's rows line up.
    if (g.layout === 'NCHW') g.node('Transpose', [g.current], `${prefix}_to_nhwc`, [ints('perm', [0, 2, 3, 1])]);
    g.node('Flatten', [g.current], prefix, [int('axis', 1)]);
    g.layout = 'flat';
  },
  keras: () => ({ class_name: 'Flatten', config: {} }),
  // Channels fastest, as TF.js flattens, so the next dense layer's rows line up with the studio's.
  pytorch: (_layer, input) => (input.length === 3 ? ['FlattenNHWC()'] : ['nn.Flatten()']),
};

export const dropout: MainLayerDef<DropoutSpec> = {
  type: 'dropout',
  // The layer only serves inference and saving (where it does nothing); training applies its own seeded dropout.
  build: (layer, { tf, input }) => tf.layers.dropout({ ...input, rate: layer.rate }),
  /**
   * tfjs's Dropout layer reuses a fixed seed on every call (the same mask
   * each batch) or, without one, Math.random; neither is what a
   * reproducible run wants: the masks come from the run's seeds.
   */
  trainingForward: (layer, tf, rand) => (x) => (layer.rate === 0 ? x : tf.dropout(x, layer.rate, undefined, nextSeed(rand))),
  native(layer, { s, tf, idOf, output, dropoutRand, afterStep }) {
    const d = new DropoutLayer(s, tf, idOf, layer.rate, output, dropoutRand);
    afterStep(() => {
      for (const t of d.draws) t.dispose();
      d.draws.length = 0;
    });
    return d;
  },
  // The identity at inference: no node.
  onnx: () => {},
  keras: (layer) => ({ class_name: 'Dropout', config: { rate: layer.rate, noise_shape: null, seed: null } }),
  pytorch: (layer) => [`nn.Dropout(${layer.rate})`],
};
