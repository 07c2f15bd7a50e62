import { z } from 'zod';
import type { MethodName } from './api';
import type { EventName, StudioEvents } from './events';
import type { Result } from './result';

/** Path of the WebSocket endpoint in web mode. */
export const WS_PATH = '/api';
/** Query parameter carrying the session token, in the page URL and the WebSocket URL. */
export const TOKEN_PARAM = 'token';
/** Largest message the server accepts from a browser. */
export const WS_MAX_PAYLOAD = 1024 * 1024;

/** What a browser may send: one call at a time, each with its own id. */
export const WsClientMessage = z
  .object({
    type: z.literal('call'),
    id: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    method: z.string().max(64),
    input: z.unknown(),
  })
  .strict();
export type WsClientMessage = z.infer<typeof WsClientMessage> & { method: MethodName };

/** What the server sends: the answer to a call, or an event. */
export type WsServerMessage =
  { type: 'result'; id: number | null; result: Result<unknown> } | { [E in EventName]: { type: 'event'; event: E; payload: StudioEvents[E] } }[EventName];
