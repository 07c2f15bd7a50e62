import fsp from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { IDX_FILES, IDX_ROLES, type DatasetSpec, type DownloadResult, type IdxRole } from '@shared/datasets';
import type { DownloadEvent } from '@shared/events';
import { StudioError } from '@shared/result';
import { appVersion } from '../app-info';
import type { IdxReport } from './idx';
import { MAX_IDX_BYTES } from './idx';
import { buildManifest, datasetDir, findIdxFile, readManifest, verifyRegistryFile, writeManifest } from './store';

/** What one download needs. The registry entry is a parameter so tests (and future datasets) bring their own. */
export interface DownloadOptions {
  home: string;
  spec: DatasetSpec;
  /** Base URLs in the order to try them: the user's (settings, `--mirror`) first, then the registry's. */
  mirrors: readonly string[];
  signal?: AbortSignal;
  onEvent?: (event: DownloadEvent) => void;
  /** Attempts per mirror after a connection drops or stalls without delivering a byte (default 4). */
  retries?: number;
  /** First wait before a retry; it doubles per fruitless retry, up to 16× (default 500 ms). */
  backoffMs?: number;
  /** A connection silent this long counts as dropped (default 30 s). */
  stallTimeoutMs?: number;
  /** Progress events at most this often (default 100 ms). */
  progressIntervalMs?: number;
}

/** The mirror cannot serve this file (HTTP error, too many redirects, retries spent): try the next. */
class MirrorError extends Error {
  /** The mirror cannot be reached at all: skip it for the other files too. */
  unreachable = false;
}

const MAX_REDIRECTS = 5;
/** Errors that retrying the same mirror would not cure: no such host, nothing listening, no route, a bad certificate. */
const UNREACHABLE = /^(ENOTFOUND|ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|CERT_|ERR_TLS_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_)/;
const IO_SYSCALLS = new Set(['open', 'write', 'close', 'fsync', 'ftruncate', 'rename']);

function fileUrl(mirror: string, name: string): string {
  return new URL(name, mirror.endsWith('/') ? mirror : `${mirror}/`).href;
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ECONNRESET' || err.message === 'aborted') return 'connection dropped';
    if (code === 'ERR_STREAM_PREMATURE_CLOSE') return 'connection closed early';
    return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}

/** A response, and why its connection was cut by us when it went silent (else null). */
interface Answer {
  res: http.IncomingMessage;
  stalled: () => string | null;
}

/** GET with redirects, no content coding (the stored bytes must be the served ones) and a silence timeout. */
function get(url: string, headers: Record<string, string>, signal: AbortSignal, stallMs: number, redirects = MAX_REDIRECTS): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const lib = target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : null;
    if (!lib) {
      reject(new MirrorError(`${target.protocol} is not http or https`));
      return;
    }
    let stalled: string | null = null;
    const req = lib.get(target, { headers, signal, timeout: stallMs, agent: false }, (res) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (status >= 300 && status < 400 && location) {
        res.resume();
        if (redirects === 0) reject(new MirrorError(`more than ${MAX_REDIRECTS} redirects`));
        else get(new URL(location, target).href, headers, signal, stallMs, redirects - 1).then(resolve, reject);
        return;
      }
      resolve({ res, stalled: () => stalled });
    });
    req.on('timeout', () => {
      stalled = `no data for ${stallMs >= 1000 ? `${Math.round(stallMs / 1000)} s` : `${stallMs} ms`}`;
      req.destroy(new Error(stalled));
    });
    req.on('error', reject);
  });
}

/** Progress over all files of one download: totals, a speed over the last seconds, throttled events. */
class ProgressMeter {
  private readonly fileBytes = new Map<string, number>();
  private readonly fileTotals = new Map<string, number>();
  private readonly samples: { t: number; bytes: number }[] = [];
  private received = 0;
  private lastEmit = 0;
  /** Files are fetched one at a time, so one mirror is in use at any moment. */
  private mirror = '';

  constructor(
    private readonly dataset: string,
    private readonly emit: (event: DownloadEvent) => void,
    private readonly intervalMs: number,
    files: { name: string; estimate: number }[],
  ) {
    for (const f of files) {
      this.fileBytes.set(f.name, 0);
      this.fileTotals.set(f.name, f.estimate);
    }
  }

  get totalBytes(): number {
    let sum = 0;
    for (const v of this.fileTotals.values()) sum += v;
    return sum;
  }

  get receivedBytes(): number {
    return this.received;
  }

  /** The mirror the next bytes come from (progress names it, so the UI can show where the data comes from). */
  use(mirror: string): void {
    this.mirror = mirror;
  }

  setTotal(file: string, total: number): void {
    this.fileTotals.set(file, total);
  }

  /** Bytes in the file's .part now (after a restart from zero, fewer than before). */
  reset(file: string, bytes: number): void {
    this.fileBytes.set(file, bytes);
  }

  add(file: string, bytes: number): void {
    this.received += bytes;
    this.fileBytes.set(file, (this.fileBytes.get(file) ?? 0) + bytes);
    const now = performance.now();
    this.samples.push({ t: now, bytes: this.received });
    while (this.samples.length > 2 && now - this.samples[0]!.t > 3000) this.samples.shift();
    if (now - this.lastEmit >= this.intervalMs) this.report(file);
  }

  report(file: string): void {
    this.lastEmit = performance.now();
    let done = 0;
    for (const v of this.fileBytes.values()) done += v;
    const first = this.samples[0];
    const last = this.samples.at(-1);
    const seconds = first && last ? (last.t - first.t) / 1000 : 0;
    const speed = seconds > 0.05 && first && last ? (last.bytes - first.bytes) / seconds : 0;
    const total = Math.max(this.totalBytes, done);
    this.emit({
      kind: 'progress',
      dataset: this.dataset,
      file,
      mirror: this.mirror,
      fileBytes: this.fileBytes.get(file) ?? 0,
      fileTotal: this.fileTotals.get(file) ?? 0,
      doneBytes: done,
      totalBytes: total,
      bytesPerSecond: Math.round(speed),
      etaSeconds: speed > 0 ? Math.max(0, (total - done) / speed) : null,
    });
  }
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await fsp.stat(file)).size;
  } catch {
    return 0;
  }
}

function cancelled(spec: DatasetSpec): StudioError {
  return new StudioError('CANCELLED', `${spec.name} download cancelled`);
}

interface FileJob {
  role: IdxRole;
  /** As served: `<base>.gz`. */
  name: string;
  part: string;
}

/**
 * Brings one file from one mirror into its .part: resumes with Range (and
 * If-Range, so a changed file restarts) after a drop, starts over when the
 * server ignores Range, retries with backoff while connections fail without
 * progress. Throws MirrorError when this mirror should be given up.
 */
async function fetchFromMirror(job: FileJob, mirror: string, o: Required<Omit<DownloadOptions, 'onEvent'>>, meter: ProgressMeter, emit: (e: DownloadEvent) => void): Promise<void> {
  const url = fileUrl(mirror, job.name);
  await fsp.rm(job.part, { force: true });
  meter.use(mirror);
  meter.reset(job.name, 0);
  let have = 0;
  let validator: string | null = null;
  let fruitless = 0;
  for (;;) {
    const before = have;
    let answer: Answer | null = null;
    try {
      const headers: Record<string, string> = { 'accept-encoding': 'identity', 'user-agent': `mnist-studio/${appVersion()}` };
      if (have > 0) {
        headers.range = `bytes=${have}-`;
        if (validator) headers['if-range'] = validator;
      }
      answer = await get(url, headers, o.signal, o.stallTimeoutMs);
      const { res } = answer;
      const status = res.statusCode ?? 0;
      const length = res.headers['content-length'] === undefined ? null : Number(res.headers['content-length']);
      let end: number | null;
      if (status === 206 && have > 0) {
        const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers['content-range'] ?? '');
        if (!range || Number(range[1]) !== have) {
          res.destroy();
          throw new Error(`answered Range bytes=${have}- with Content-Range "${res.headers['content-range'] ?? ''}"`);
        }
        end = range[3] === '*' ? Number(range[2]) + 1 : Number(range[3]);
      } else if (status === 200) {
        // A full answer: to a first request, or from a server that ignores Range.
        have = 0;
        meter.reset(job.name, 0);
        const etag = res.headers.etag;
        validator = etag && !etag.startsWith('W/') ? etag : (res.headers['last-modified'] ?? null);
        end = length;
      } else if (status === 416 && have > 0) {
        res.resume();
        have = 0;
        await fsp.rm(job.part, { force: true });
        meter.reset(job.name, 0);
        throw new Error('answered Range with 416: starting over');
      } else {
        res.resume();
        throw new MirrorError(`HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}`);
      }
      if (end !== null) {
        if (end > MAX_IDX_BYTES) {
          res.destroy();
          throw new MirrorError(`announces ${end} bytes, more than any MNIST-format file`);
        }
        meter.setTotal(job.name, end);
      }
      // Chunks are written as they are read, so after a drop the .part holds what
      // arrived (less what the stream still buffered) and the resume starts there.
      const handle = await fsp.open(job.part, status === 206 ? 'a' : 'w');
      try {
        for await (const chunk of res as AsyncIterable<Buffer>) {
          if (have + chunk.length > MAX_IDX_BYTES) {
            res.destroy();
            throw new MirrorError(`sent more than ${MAX_IDX_BYTES} bytes`);
          }
          await handle.write(chunk);
          have += chunk.length;
          meter.add(job.name, chunk.length);
        }
      } finally {
        await handle.close();
      }
      have = await sizeOf(job.part);
      if (end !== null && have !== end) throw new Error(`connection closed at byte ${have} of ${end}`);
      meter.report(job.name);
      return;
    } catch (err) {
      if (o.signal.aborted) throw err;
      if (err instanceof MirrorError) throw err;
      const { syscall, code } = err as NodeJS.ErrnoException;
      if (syscall && IO_SYSCALLS.has(syscall)) throw new StudioError('IO', `${job.part}: cannot write (${describe(err)})`);
      if (answer === null && code && UNREACHABLE.test(code)) {
        const unreachable = new MirrorError(describe(err));
        unreachable.unreachable = true;
        throw unreachable;
      }
      have = await sizeOf(job.part);
      meter.reset(job.name, have);
      fruitless = have > before ? 0 : fruitless + 1;
      const reason = answer?.stalled() ?? describe(err);
      if (fruitless > o.retries) throw new MirrorError(`${reason}; gave up after ${o.retries} retries without progress`);
      const delayMs = o.backoffMs * 2 ** Math.min(Math.max(fruitless - 1, 0), 4);
      emit({ kind: 'retry', dataset: o.spec.id, file: job.name, mirror, attempt: fruitless, delayMs, fromByte: have, reason });
      await sleep(delayMs, undefined, { signal: o.signal });
    }
  }
}

interface Fetched {
  report: IdxReport;
  file: string;
  label: string;
  mirror: string;
}

/** Tries each mirror for one file until a copy verifies; the verified .part is renamed into place. */
async function fetchFile(
  job: FileJob,
  dir: string,
  o: Required<Omit<DownloadOptions, 'onEvent'>>,
  meter: ProgressMeter,
  emit: (e: DownloadEvent) => void,
  unreachable: Map<string, string>,
): Promise<Fetched> {
  const failures: { mirror: string; reason: string; integrity: boolean }[] = [];
  for (const mirror of o.mirrors) {
    const dead = unreachable.get(mirror);
    if (dead) {
      failures.push({ mirror, reason: dead, integrity: false });
      continue;
    }
    try {
      await fetchFromMirror(job, mirror, o, meter, emit);
      const report = await verifyRegistryFile(job.part, job.name, o.spec, job.role);
      const base = IDX_FILES[job.role];
      const file = path.join(dir, report.gzip ? `${base}.gz` : base);
      // The other form of the same file (raw vs gzip) would shadow or confuse the loader.
      await fsp.rm(path.join(dir, report.gzip ? base : `${base}.gz`), { force: true });
      await fsp.rename(job.part, file);
      emit({ kind: 'file-verified', dataset: o.spec.id, file: job.name, status: 'downloaded', mirror, bytes: report.fileBytes });
      return { report, file, label: job.name, mirror };
    } catch (err) {
      await fsp.rm(job.part, { force: true });
      if (o.signal.aborted) throw cancelled(o.spec);
      if (err instanceof StudioError && err.code !== 'INTEGRITY') throw err;
      if (!(err instanceof StudioError || err instanceof MirrorError)) throw err;
      const reason = err.message.startsWith(`${job.name}: `) ? err.message.slice(job.name.length + 2) : err.message;
      failures.push({ mirror, reason, integrity: err instanceof StudioError });
      if (err instanceof MirrorError && err.unreachable) unreachable.set(mirror, reason);
      emit({ kind: 'mirror-failed', dataset: o.spec.id, file: job.name, mirror, reason });
    }
  }
  const code = failures.length > 0 && failures.every((f) => f.integrity) ? 'INTEGRITY' : 'NETWORK';
  const offline = failures.every((f) => unreachable.has(f.mirror)) ? ' (offline? import the four files instead, or add a mirror you can reach)' : '';
  throw new StudioError(code, `${job.name}: no mirror gave a good copy: ${failures.map((f) => `${f.mirror} ${f.reason}`).join('; ')}${offline}`);
}

/**
 * Downloads a registry dataset into `datasets/<id>/` of the studio home.
 * Files already there are verified and kept (a second run downloads
 * nothing); each missing one streams into a `.part`, is verified (IDX
 * structure and a known digest) and only then renamed into place, so the
 * folder only ever holds good files. `dataset.json` is written last.
 */
export async function downloadDataset(options: DownloadOptions): Promise<DownloadResult> {
  const started = performance.now();
  const emit = options.onEvent ?? (() => {});
  const o = {
    home: options.home,
    spec: options.spec,
    mirrors: options.mirrors,
    signal: options.signal ?? new AbortController().signal,
    retries: options.retries ?? 4,
    backoffMs: options.backoffMs ?? 500,
    stallTimeoutMs: options.stallTimeoutMs ?? 30_000,
    progressIntervalMs: options.progressIntervalMs ?? 100,
  };
  const { spec } = o;
  try {
    const dir = datasetDir(o.home, spec.id);
    await fsp.mkdir(dir, { recursive: true });
    // A .part left by a crash is never resumed: its mirror and validator are unknown.
    for (const entry of await fsp.readdir(dir)) if (entry.endsWith('.part')) await fsp.rm(path.join(dir, entry), { force: true });

    const have: Partial<Record<IdxRole, Fetched | Omit<Fetched, 'mirror'>>> = {};
    const todo: FileJob[] = [];
    const results: DownloadResult['files'] = [];
    for (const role of IDX_ROLES) {
      const name = `${IDX_FILES[role]}.gz`;
      const existing = await findIdxFile(dir, role);
      if (existing) {
        try {
          const report = await verifyRegistryFile(existing, path.basename(existing), spec, role);
          have[role] = { report, file: existing, label: path.basename(existing) };
          emit({ kind: 'file-verified', dataset: spec.id, file: name, status: 'cached', mirror: null, bytes: report.fileBytes });
          continue;
        } catch (err) {
          if (!(err instanceof StudioError && err.code === 'INTEGRITY')) throw err;
          // Altered on disk since it was verified: fetch it again.
          await fsp.rm(existing, { force: true });
        }
      }
      todo.push({ role, name, part: path.join(dir, `${name}.part`) });
    }
    if (todo.length > 0 && o.mirrors.length === 0) {
      throw new StudioError('INVALID_ARGUMENT', `${spec.name}: no mirror to download from (add one with --mirror or in settings)`, 'mirrors');
    }
    const meter = new ProgressMeter(
      spec.id,
      emit,
      o.progressIntervalMs,
      todo.map((job) => ({ name: job.name, estimate: spec.files[job.role].gzipBytes })),
    );
    if (todo.length > 0) emit({ kind: 'started', dataset: spec.id, files: todo.map((j) => j.name), totalBytes: meter.totalBytes });
    const used = new Set<string>();
    const unreachable = new Map<string, string>();
    for (const job of todo) {
      if (o.signal.aborted) throw cancelled(spec);
      const fetched = await fetchFile(job, dir, o, meter, emit, unreachable);
      have[job.role] = fetched;
      used.add(fetched.mirror);
    }
    for (const role of IDX_ROLES) {
      const h = have[role]!;
      results.push({ name: path.basename(h.file), status: 'mirror' in h ? 'downloaded' : 'cached', mirror: 'mirror' in h ? h.mirror : null, bytes: h.report.fileBytes });
    }
    const previous = await readManifest(dir);
    if (todo.length > 0 || !previous) {
      const origin = todo.length === 0 && previous ? previous.origin : { kind: 'download' as const, mirrors: [...used] };
      await writeManifest(dir, buildManifest(spec.id, spec.name, spec.classNames, origin, have as Record<IdxRole, Fetched>));
    }
    const seconds = (performance.now() - started) / 1000;
    emit({ kind: 'done', dataset: spec.id, downloadedBytes: meter.receivedBytes, seconds });
    return { id: spec.id, dir, files: results, downloadedBytes: meter.receivedBytes, seconds };
  } catch (err) {
    const error = o.signal.aborted
      ? cancelled(spec)
      : err instanceof StudioError
        ? err
        : new StudioError('IO', `${spec.name}: ${err instanceof Error ? err.message : String(err)}`);
    emit({ kind: 'failed', dataset: spec.id, error: error.toApiError() });
    throw error;
  }
}

/**
 * One download per dataset at a time: a second request for the same
 * dataset gets the first one's promise (its mirrors are those of the
 * first), and `cancel` stops it for every caller.
 */
export class DownloadManager {
  private readonly active = new Map<string, { promise: Promise<DownloadResult>; controller: AbortController }>();

  constructor(
    private readonly home: string,
    private readonly emit: (event: DownloadEvent) => void,
    private readonly tuning: Pick<DownloadOptions, 'retries' | 'backoffMs' | 'stallTimeoutMs' | 'progressIntervalMs'> = {},
  ) {}

  download(spec: DatasetSpec, mirrors: readonly string[]): Promise<DownloadResult> {
    const running = this.active.get(spec.id);
    if (running) return running.promise;
    const controller = new AbortController();
    const promise = downloadDataset({ ...this.tuning, home: this.home, spec, mirrors, signal: controller.signal, onEvent: this.emit }).finally(() => {
      this.active.delete(spec.id);
    });
    this.active.set(spec.id, { promise, controller });
    return promise;
  }

  isRunning(id: string): boolean {
    return this.active.has(id);
  }

  cancel(id: string): boolean {
    const running = this.active.get(id);
    running?.controller.abort();
    return running !== undefined;
  }

  /** Cancels every download and waits until each has cleaned up. */
  async close(): Promise<void> {
    const all = [...this.active.values()];
    for (const d of all) d.controller.abort();
    await Promise.allSettled(all.map((d) => d.promise));
  }
}
