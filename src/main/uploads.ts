/**
 * Uploads from web clients: files arrive in chunks into a staging folder in
 * the studio home, each file's declared size and the caps checked before a
 * byte is written, and are handed to an import once complete. A staging
 * folder is a `tempSibling` name in the home, so the home's sweep removes
 * it after a crash; it goes on success, failure, cancel and when its
 * connection closes.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { StudioError } from '@shared/result';
import { MAX_OPEN_UPLOADS, UPLOAD_LIMITS, type UploadKind } from '@shared/uploads-api';
import type { Caller } from './dispatch';
import { tempSibling } from './fs-atomic';

interface UploadFile {
  size: number;
  received: number;
}

interface Upload {
  kind: UploadKind;
  session: string;
  dir: string;
  files: Map<string, UploadFile>;
  /** A chunk being written: a second one at once is refused rather than interleaved. */
  writing: boolean;
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** What an upload holds once complete: its staging folder and the files' names, in the order declared. */
export interface CompleteUpload {
  dir: string;
  names: string[];
}

export class Uploads {
  private readonly open = new Map<string, Upload>();

  constructor(private readonly home: string) {}

  async begin(session: string, kind: UploadKind, files: readonly { name: string; size: number }[]): Promise<{ uploadId: string }> {
    const limits = UPLOAD_LIMITS[kind];
    if (files.length > limits.maxFiles) throw new StudioError('INVALID_ARGUMENT', `${files.length} files; a ${kind} upload holds at most ${limits.maxFiles}`, 'files');
    const seen = new Set<string>();
    let total = 0;
    for (const [i, file] of files.entries()) {
      if (seen.has(file.name)) throw new StudioError('INVALID_ARGUMENT', `${file.name}: given twice`, `files.${i}.name`);
      seen.add(file.name);
      if (file.size > limits.maxFileBytes) {
        throw new StudioError(
          'INVALID_ARGUMENT',
          `${file.name}: ${fmt(file.size)} bytes; a file of a ${kind} upload may have at most ${fmt(limits.maxFileBytes)}`,
          `files.${i}.size`,
        );
      }
      total += file.size;
    }
    if (total > limits.maxTotalBytes)
      throw new StudioError('INVALID_ARGUMENT', `${fmt(total)} bytes in all; a ${kind} upload may have at most ${fmt(limits.maxTotalBytes)}`, 'files');
    const mine = [...this.open.values()].filter((u) => u.session === session).length;
    if (mine >= MAX_OPEN_UPLOADS) throw new StudioError('BUSY', `${mine} uploads are open on this connection; finish or cancel one first`);
    const dir = tempSibling(path.join(this.home, 'upload'));
    try {
      await fs.mkdir(this.home, { recursive: true });
      await fs.mkdir(dir);
      for (const file of files) await fs.writeFile(path.join(dir, file.name), new Uint8Array(0), { flag: 'wx' });
    } catch (err) {
      await fs.rm(dir, { recursive: true, force: true });
      throw new StudioError('IO', `the upload cannot be staged in ${this.home} (${(err as Error).message})`);
    }
    const uploadId = crypto.randomBytes(12).toString('hex');
    this.open.set(uploadId, { kind, session, dir, files: new Map(files.map((f) => [f.name, { size: f.size, received: 0 }])), writing: false });
    return { uploadId };
  }

  /** An open upload of this connection; another connection's is as unknown as a made-up id. */
  private get(session: string, uploadId: string): Upload {
    const upload = this.open.get(uploadId);
    if (!upload || upload.session !== session)
      throw new StudioError('NOT_FOUND', `upload ${uploadId}: no such open upload (it finished, was cancelled or its connection closed)`, 'uploadId');
    return upload;
  }

  async chunk(session: string, uploadId: string, name: string, offset: number, data: Uint8Array): Promise<{ received: number }> {
    const upload = this.get(session, uploadId);
    const file = upload.files.get(name);
    if (!file) throw new StudioError('INVALID_ARGUMENT', `${name}: not a file of upload ${uploadId}`, 'file');
    if (offset !== file.received) throw new StudioError('INVALID_ARGUMENT', `${name}: a chunk at byte ${fmt(offset)}, but ${fmt(file.received)} were received`, 'offset');
    if (file.received + data.length > file.size) {
      throw new StudioError('INVALID_ARGUMENT', `${name}: more than the ${fmt(file.size)} bytes declared`, 'data');
    }
    if (upload.writing) throw new StudioError('BUSY', `upload ${uploadId}: a chunk is still being written; send the next when it is answered`);
    upload.writing = true;
    try {
      await fs.appendFile(path.join(upload.dir, name), data);
      file.received += data.length;
    } catch (err) {
      // A staging file that may now hold part of a chunk is of no use: the whole upload goes.
      await this.remove(uploadId);
      throw new StudioError('IO', `${name}: could not be staged (${(err as Error).message}); the upload was cancelled`);
    } finally {
      upload.writing = false;
    }
    return { received: file.received };
  }

  /**
   * Hands a complete upload of `kind` to `use` and removes it afterwards,
   * whatever `use` answers: an import either keeps its own copy or fails.
   */
  async consume<T>(session: string, uploadId: string, kind: UploadKind, use: (upload: CompleteUpload) => Promise<T>): Promise<T> {
    const upload = this.get(session, uploadId);
    if (upload.kind !== kind) throw new StudioError('INVALID_ARGUMENT', `upload ${uploadId} holds a ${upload.kind}, not a ${kind}`, 'uploadId');
    if (upload.writing) throw new StudioError('BUSY', `upload ${uploadId}: a chunk is still being written`);
    const short = [...upload.files].find(([, f]) => f.received !== f.size);
    if (short) throw new StudioError('INVALID_ARGUMENT', `${short[0]}: ${fmt(short[1].received)} of its ${fmt(short[1].size)} bytes arrived; send the rest first`, 'uploadId');
    this.open.delete(uploadId);
    try {
      return await use({ dir: upload.dir, names: [...upload.files.keys()] });
    } finally {
      await fs.rm(upload.dir, { recursive: true, force: true });
    }
  }

  async cancel(session: string, uploadId: string): Promise<{ cancelled: boolean }> {
    const upload = this.open.get(uploadId);
    if (!upload || upload.session !== session) return { cancelled: false };
    await this.remove(uploadId);
    return { cancelled: true };
  }

  /** Removes every upload a closed connection left open. */
  async endSession(session: string): Promise<void> {
    for (const [id, upload] of [...this.open]) if (upload.session === session) await this.remove(id);
  }

  async close(): Promise<void> {
    for (const id of [...this.open.keys()]) await this.remove(id);
  }

  private async remove(uploadId: string): Promise<void> {
    const upload = this.open.get(uploadId);
    if (!upload) return;
    this.open.delete(uploadId);
    await fs.rm(upload.dir, { recursive: true, force: true });
  }
}

/**
 * An import's error about a staged file, naming the uploaded file rather
 * than a folder of the engine's machine (`dirs`: the staging folder and any
 * folder inside it, innermost first).
 */
export function namingUpload(err: unknown, ...dirs: string[]): unknown {
  if (!(err instanceof StudioError)) return err;
  let message = err.message;
  for (const dir of dirs) message = message.split(`${dir}${path.sep}`).join('').split(dir).join('the upload');
  return new StudioError(err.code, message, err.field);
}

/** The connection an upload call came on: web mode gives every call one. */
export function sessionOf(caller: Caller): string {
  if (caller.session === undefined) throw new StudioError('UNAVAILABLE', 'uploads need a connection: they come from web clients');
  return caller.session;
}
