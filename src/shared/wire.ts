/**
 * JSON for the WebSocket transport that keeps byte arrays: IPC carries
 * typed arrays by structured clone, so the contract uses them freely, and
 * the WebSocket must give the renderer the same values.
 */
const TAG = '$typed';

type TypedName = 'Uint8Array' | 'Float32Array' | 'Int32Array';

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function encodeWire(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Uint8Array || v instanceof Float32Array || v instanceof Int32Array) {
      const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      return { [TAG]: v.constructor.name as TypedName, data: toBase64(bytes) };
    }
    return v;
  });
}

export function decodeWire(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v && typeof v === 'object' && TAG in v) {
      const { [TAG]: kind, data } = v as { [TAG]: TypedName; data: string };
      const bytes = fromBase64(data);
      // Copy into a fresh, aligned buffer before viewing it as wider elements.
      const buffer = bytes.slice().buffer;
      if (kind === 'Uint8Array') return new Uint8Array(buffer);
      if (kind === 'Float32Array') return new Float32Array(buffer);
      if (kind === 'Int32Array') return new Int32Array(buffer);
    }
    return v;
  });
}
