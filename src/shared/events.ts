import type { EventName } from './channels';

/** Something the user should be told that is not the answer to a call: a settings file moved aside, a run that finished. */
export type NoticeEvent = { kind: 'notice'; level: 'info' | 'warning' | 'error'; message: string };

/** The payload type of each event stream. */
export interface StudioEvents {
  notice: NoticeEvent;
}

// Every event name has a payload type, and no payload type lacks a name.
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
export const eventsComplete: Exact<EventName, keyof StudioEvents> = true;
