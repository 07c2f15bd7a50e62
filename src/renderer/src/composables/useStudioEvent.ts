import { onMounted, onUnmounted } from 'vue';
import type { EventName, StudioEvents } from '@shared/events';
import { useStudio } from './useStudio';

/** Listens to one event stream while the calling component is mounted. */
export function useStudioEvent<E extends EventName>(event: E, listener: (payload: StudioEvents[E]) => void): void {
  let off: (() => void) | undefined;
  onMounted(() => {
    off = useStudio()?.on(event, listener);
  });
  onUnmounted(() => off?.());
}
