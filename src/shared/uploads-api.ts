import { z } from 'zod';
import { method } from './method';
import { LAYER_LIMITS } from './model-spec';

/**
 * Uploads: how a web client hands the engine files (a dataset's IDX files, a
 * model's folder or .zip) without naming a path of the engine's machine. A
 * WebSocket message holds at most 1 MiB, so the bytes come in chunks into a
 * staging folder in the studio home; `datasets:importUpload` or
 * `models:importUpload` then runs the usual import checks on it. An upload
 * belongs to its connection and goes when the connection closes.
 */
export const UPLOAD_KINDS = ['dataset', 'model'] as const;
export type UploadKind = (typeof UPLOAD_KINDS)[number];

const MiB = 1024 * 1024;

/** Largest chunk: well under the WebSocket cap once base64 and JSON are around it. */
export const UPLOAD_CHUNK_BYTES = 512 * 1024;

/**
 * Caps per kind: a dataset is four IDX files (each within the IDX reader's
 * 128 MiB) or one .zip of them; a model is model.json and weight shards
 * within the parameter cap in float32, or one .zip of them.
 */
export const UPLOAD_LIMITS: Record<UploadKind, { maxFiles: number; maxFileBytes: number; maxTotalBytes: number }> = {
  dataset: { maxFiles: 4, maxFileBytes: 128 * MiB, maxTotalBytes: 256 * MiB },
  model: { maxFiles: 64, maxFileBytes: LAYER_LIMITS.params.max * 4 + 4 * MiB, maxTotalBytes: LAYER_LIMITS.params.max * 4 + 4 * MiB },
};

/** Most uploads one connection may have open at once. */
export const MAX_OPEN_UPLOADS = 2;

/** A file's own name as the browser gives it: no folder, nothing that could climb out of the staging folder. */
export const UploadFileName = z
  .string()
  .min(1)
  .max(255)
  .refine((name) => name !== '.' && name !== '..' && !/[/\\\0]/.test(name) && !name.startsWith('.'), { error: 'must be a plain file name (no folder, not starting with a dot)' });

export const UploadId = z.string().regex(/^[0-9a-f]{24}$/, { error: 'must be an upload id from uploads:begin' });

export const BeginUploadInput = z
  .object({
    kind: z.enum(UPLOAD_KINDS, { error: `must be one of ${UPLOAD_KINDS.join(', ')}` }),
    /** The files to come, with their sizes, so a cap is refused before a byte is sent. */
    files: z
      .array(z.object({ name: UploadFileName, size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }).strict())
      .min(1)
      .max(Math.max(...Object.values(UPLOAD_LIMITS).map((l) => l.maxFiles))),
  })
  .strict();

export const UploadChunkInput = z
  .object({
    uploadId: UploadId,
    file: UploadFileName,
    /** Where the chunk starts: the bytes of that file received so far (a lost or repeated chunk is refused). */
    offset: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    data: z
      .instanceof(Uint8Array, { error: 'must be bytes (a Uint8Array)' })
      .refine((b) => b.length > 0 && b.length <= UPLOAD_CHUNK_BYTES, { error: `must be 1 to ${UPLOAD_CHUNK_BYTES} bytes` }),
  })
  .strict();

export const UploadRef = z.object({ uploadId: UploadId }).strict();

export const UPLOADS_API = {
  'uploads:begin': method<{ uploadId: string }>()(
    BeginUploadInput,
    'Opens an upload of a dataset’s or a model’s files from the browser, after checking the declared sizes against the caps; a staging folder in the studio home receives them.',
    ['web'],
  ),
  'uploads:chunk': method<{ received: number }>()(UploadChunkInput, 'Appends the next bytes of one file of an open upload; answers that file’s bytes received.', ['web']),
  'uploads:cancel': method<{ cancelled: boolean }>()(UploadRef, 'Abandons an open upload; its staging folder goes.', ['web']),
};
