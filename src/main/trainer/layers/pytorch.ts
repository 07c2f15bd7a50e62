/** What the layers' PyTorch mappings share (see `MainLayerDef.pytorch`). */
import type { Activation } from '@shared/model-spec';

const TORCH_ACTIVATIONS: Record<Activation, string[]> = { relu: ['nn.ReLU()'], sigmoid: ['nn.Sigmoid()'], tanh: ['nn.Tanh()'], linear: [] };

/** The module an activation is in PyTorch (none for linear). */
export function torchActivation(activation: Activation): string[] {
  return TORCH_ACTIVATIONS[activation];
}
