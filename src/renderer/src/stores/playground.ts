import { defineStore } from 'pinia';
import { ref } from 'vue';
import { classKind } from '@shared/datasets';
import type { ModelEntry } from '@shared/models';

/** What the Playground asks: a saved model by id, or the model the live run is training. */
export type PlaygroundChoice = { kind: 'saved'; id: string } | { kind: 'live' };

/**
 * The model the Playground starts with: the most accurate one of a digits
 * data set (people draw digits; a Fashion-MNIST model would call a 7 a
 * pullover), the newer on a tie; without one, the newest model.
 */
export function defaultModel(list: readonly ModelEntry[]): ModelEntry | null {
  let best: ModelEntry | null = null;
  for (const m of list) {
    if (classKind(m.classNames) !== 'digits') continue;
    if (!best || (m.testAccuracy ?? -1) > (best.testAccuracy ?? -1) || ((m.testAccuracy ?? -1) === (best.testAccuracy ?? -1) && m.createdAt > best.createdAt)) best = m;
  }
  return best ?? list[0] ?? null;
}

/**
 * The Playground's model choice, kept while the user visits other screens
 * (the settings have no slot for it: `lastModelSpec` is the Model screen's
 * network, not a saved model).
 */
export const usePlaygroundStore = defineStore('playground', () => {
  const choice = ref<PlaygroundChoice | null>(null);
  /** Whether the "Inside the network" card is open (it asks the engine for more only then). */
  const insideOpen = ref(false);
  return { choice, insideOpen };
});
