import type { EventName, StudioEvents } from '@shared/events';

type Listener<E extends EventName> = (payload: StudioEvents[E]) => void;

/**
 * Main-side publisher of the event streams. Transports (IPC, WebSocket, CLI)
 * subscribe here; services only `emit`.
 */
export class EventHub {
  private readonly listeners = new Map<EventName, Set<Listener<EventName>>>();

  on<E extends EventName>(event: E, listener: Listener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as Listener<EventName>);
    return () => {
      set.delete(listener as Listener<EventName>);
    };
  }

  /** Subscribe to every stream at once (what a transport does). */
  onAny(listener: <E extends EventName>(event: E, payload: StudioEvents[E]) => void, events: readonly EventName[]): () => void {
    const offs = events.map((event) => this.on(event, (payload) => listener(event, payload)));
    return () => offs.forEach((off) => off());
  }

  emit<E extends EventName>(event: E, payload: StudioEvents[E]): void {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        listener(payload);
      } catch (err) {
        // One broken subscriber must not stop the others or the emitter.
        console.error(`event listener for ${event} failed:`, err);
      }
    }
  }
}
