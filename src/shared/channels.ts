/**
 * The names that cross a process boundary, as plain constants so the
 * sandboxed preload can import them without pulling in the schemas.
 * `api.ts` pairs every method here with its input schema and output type.
 */
export const METHOD_NAMES = ['app:info'] as const;

export type MethodName = (typeof METHOD_NAMES)[number];

/** Push streams from main to the renderer; each carries one tagged union (see events.ts). */
export const EVENT_NAMES = ['notice'] as const;

export type EventName = (typeof EVENT_NAMES)[number];

/** IPC channel an event stream is sent on. */
export function eventChannel(name: EventName): `event:${EventName}` {
  return `event:${name}`;
}

export function isMethodName(value: unknown): value is MethodName {
  return typeof value === 'string' && (METHOD_NAMES as readonly string[]).includes(value);
}

export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && (EVENT_NAMES as readonly string[]).includes(value);
}
