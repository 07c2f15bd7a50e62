import type { StudioClient } from '@shared/api';
import { fail, type Result } from '@shared/result';
import { UPLOAD_CHUNK_BYTES, UPLOAD_LIMITS, type UploadKind } from '@shared/uploads-api';

/**
 * Sends files the browser picked to the engine as an upload (web mode: the
 * engine may be on another machine and is never told a path): declares
 * them, then sends each in chunks below the WebSocket's cap. Answers the
 * upload's id for the import call; on any failure the upload is cancelled.
 * Sizes are checked here first only to answer at once; the engine checks them again.
 */
export async function uploadFiles(studio: StudioClient, kind: UploadKind, files: readonly File[]): Promise<Result<{ uploadId: string }>> {
  const limits = UPLOAD_LIMITS[kind];
  const tooBig = files.find((f) => f.size > limits.maxFileBytes);
  if (tooBig) return fail('INVALID_ARGUMENT', `${tooBig.name}: ${tooBig.size} bytes; at most ${limits.maxFileBytes} can be uploaded`, 'files');
  const begun = await studio.uploads.begin({ kind, files: files.map((f) => ({ name: f.name, size: f.size })) });
  if (!begun.ok) return begun;
  const { uploadId } = begun.value;
  for (const file of files) {
    for (let offset = 0; offset < file.size; offset += UPLOAD_CHUNK_BYTES) {
      const data = new Uint8Array(await file.slice(offset, offset + UPLOAD_CHUNK_BYTES).arrayBuffer());
      const sent = await studio.uploads.chunk({ uploadId, file: file.name, offset, data });
      if (!sent.ok) {
        await studio.uploads.cancel({ uploadId });
        return sent;
      }
    }
  }
  return begun;
}
