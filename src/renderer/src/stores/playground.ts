import { defineStore } from 'pinia';
import { ref } from 'vue';

/** What the Playground asks: a saved model by id, or the model the live run is training. */
export type PlaygroundChoice = { kind: 'saved'; id: string } | { kind: 'live' };

/**
 * The Playground's model choice, kept while the user visits other screens
 * (the settings have no slot for it: `lastModelSpec` is the Model screen's
 * network, not a saved model).
 */
export const usePlaygroundStore = defineStore('playground', () => {
  const choice = ref<PlaygroundChoice | null>(null);
  return { choice };
});
