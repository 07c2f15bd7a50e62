import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';

/** The shortcuts' help overlay, and the Train screen's start (only it knows the data set, network and settings to start with). */
export const useShortcutsStore = defineStore('shortcuts', () => {
  const helpOpen = ref(false);
  const start = shallowRef<(() => void) | null>(null);

  /** The Train screen offers its start while it is open; the returned function takes it back. */
  function offerStart(fn: () => void): () => void {
    start.value = fn;
    return () => {
      if (start.value === fn) start.value = null;
    };
  }

  return { helpOpen, start, offerStart };
});
