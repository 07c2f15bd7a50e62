import type { TrainEvent } from './training';

/** Something the user should be told that is not the answer to a call: a settings file moved aside, a run that finished. */
export type NoticeEvent = { kind: 'notice'; level: 'info' | 'warning' | 'error'; message: string };

/**
 * The push streams from main to the renderer, each carrying one tagged
 * union. One line per stream; `EVENT_NAMES` lists them at run time.
 */
export interface StudioEvents {
  notice: NoticeEvent;
  train: TrainEvent;
}

export type EventName = keyof StudioEvents;

export const EVENT_NAMES = ['notice', 'train'] as const satisfies readonly EventName[];

// Every stream is listed at run time, and the list names no stream twice or unknown.
type Missing = Exclude<EventName, (typeof EVENT_NAMES)[number]>;
export const eventNamesComplete: [Missing] extends [never] ? true : never = true;

/** IPC channel an event stream is sent on. */
export function eventChannel(name: EventName): `event:${EventName}` {
  return `event:${name}`;
}

export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && (EVENT_NAMES as readonly string[]).includes(value);
}
