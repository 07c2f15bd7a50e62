import dns, { type LookupAddress } from 'node:dns';
import fsp from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
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
  /** A mirror sending fewer bytes per second than this over `slowWindowMs` is left for the next (default 1 KiB/s). */
  minBytesPerSecond?: number;
  /** Window over which the throughput is judged (default 30 s). */
  slowWindowMs?: number;
  /** Resolves a host name to its addresses (default the system resolver); every connection goes to an address it gave and that passed the address rule. */
  resolve?: (hostname: string) => Promise<LookupAddress[]>;
}

/** Options with their defaults filled in. */
type Tuned = Required<Omit<DownloadOptions, 'onEvent'>>;

/** The mirror cannot serve this file (HTTP error, too many redirects, retries spent): try the next. */
class MirrorError extends Error {
  /** The mirror cannot be reached at all: skip it for the other files too. */
  unreachable = false;
}

const MAX_REDIRECTS = 5;
/** Errors that retrying the same mirror would not cure: no such host, nothing listening, no route. */
const UNREACHABLE = /^(ENOTFOUND|EAI_AGAIN|EAI_FAIL|ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|EADDRNOTAVAIL)$/;
/** A TLS handshake or certificate failure (also what an https URL on a plain-http port gives): not cured by retrying either. */
const TLS = /^(CERT_|ERR_TLS_|ERR_SSL_|EPROTO$|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|HOSTNAME_MISMATCH)/;

/**
 * Kinds of address a connection may go to. A mirror may send the studio to
 * public addresses, and to addresses of its own kind (a mirror on the local
 * network may redirect within it), never from the internet into this machine
 * or its network: that would let anyone who can name a mirror, or a mirror
 * itself, probe services the studio's machine sees.
 */
type AddressKind = 'public' | 'loopback' | 'private' | 'link-local' | 'reserved';

function blockList(v4: [string, number][], v6: [string, number][]): net.BlockList {
  const list = new net.BlockList();
  for (const [a, p] of v4) list.addSubnet(a, p, 'ipv4');
  for (const [a, p] of v6) list.addSubnet(a, p, 'ipv6');
  return list;
}

const KINDS: [Exclude<AddressKind, 'public'>, net.BlockList][] = [
  // 0.0.0.0 and :: connect to this machine.
  [
    'loopback',
    blockList(
      [
        ['127.0.0.0', 8],
        ['0.0.0.0', 8],
      ],
      [
        ['::1', 128],
        ['::', 128],
      ],
    ),
  ],
  [
    'private',
    blockList(
      [
        ['10.0.0.0', 8],
        ['172.16.0.0', 12],
        ['192.168.0.0', 16],
        ['100.64.0.0', 10],
      ],
      [['fc00::', 7]],
    ),
  ],
  // 169.254.169.254 is a cloud's metadata service.
  ['link-local', blockList([['169.254.0.0', 16]], [['fe80::', 10]])],
  [
    'reserved',
    blockList(
      [
        ['224.0.0.0', 3],
        ['192.0.0.0', 24],
        ['198.18.0.0', 15],
      ],
      [
        ['ff00::', 8],
        ['64:ff9b::', 96],
        ['2001:db8::', 32],
      ],
    ),
  ],
];

/** The kind of an IP address (an IPv4-mapped IPv6 address counts as its IPv4 one). */
export function addressKind(address: string): AddressKind {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const ip = mapped ?? address;
  const family = net.isIPv4(ip) ? 'ipv4' : 'ipv6';
  for (const [kind, list] of KINDS) if (list.check(ip, family)) return kind;
  return 'public';
}

/** A connection the address rule refused: said in words, never retried. */
class AddressRefused extends Error {}

/** A failure of one attempt, in the studio's own words, that a retry may cure (a short answer, a wrong range). */
class AttemptError extends Error {}

const KIND_WORDS: Record<Exclude<AddressKind, 'public'>, string> = {
  loopback: 'this machine',
  private: 'a private network',
  'link-local': 'a link-local address',
  reserved: 'a reserved address',
};

/**
 * Which kinds of address a mirror's connections (its redirects included) may
 * reach: public ones, and the kinds its own host resolves to now.
 */
async function allowedKinds(mirror: string, resolve: Tuned['resolve']): Promise<Set<AddressKind>> {
  const host = hostOf(mirror);
  const addresses = net.isIP(host) ? [host] : (await resolve(host)).map((a) => a.address);
  return new Set<AddressKind>(['public', ...addresses.map(addressKind)]);
}

/** `url`'s host name without IPv6 brackets. */
function hostOf(url: string): string {
  return new URL(url).hostname.replace(/^\[|\]$/g, '');
}

/**
 * The connection's resolver: only addresses the rule allows are handed to
 * the socket, so what is checked is what is connected to (a host that
 * resolves to a public address once and to 127.0.0.1 the next time gains
 * nothing).
 */
function guardedLookup(resolve: Tuned['resolve'], allowed: Set<AddressKind>): net.LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (all) => {
        const family = options.family === 4 || options.family === 'IPv4' ? 4 : options.family === 6 || options.family === 'IPv6' ? 6 : 0;
        const fit = all.filter((a) => family === 0 || a.family === family);
        const good = fit.filter((a) => allowed.has(addressKind(a.address)));
        if (good.length === 0) {
          const kind = fit.length > 0 ? addressKind(fit[0]!.address) : null;
          callback(
            kind && kind !== 'public' ? new AddressRefused(`is ${KIND_WORDS[kind]}: refused`) : Object.assign(new Error(`${hostname}: no address`), { code: 'ENOTFOUND' }),
            '',
            4,
          );
        } else if (options.all) callback(null, good);
        else callback(null, good[0]!.address, good[0]!.family);
      },
      (err: unknown) => callback(err as NodeJS.ErrnoException, '', 4),
    );
  };
}

/** A local file operation: its failure is the studio's disk, not the mirror. */
async function local<T>(file: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    throw new StudioError('IO', `${file}: cannot write (${err instanceof Error ? err.message : String(err)})`);
  }
}

function fileUrl(mirror: string, name: string): string {
  return new URL(name, mirror.endsWith('/') ? mirror : `${mirror}/`).href;
}

/**
 * A network failure in words. Never the system's message: what a mirror
 * answered, or which port refused, is nobody's business but the mirror's.
 */
function describe(err: unknown, mirrorHost: string): string {
  if (err instanceof AddressRefused || err instanceof MirrorError) return err.message;
  const host = (err instanceof Error && failedHost.get(err)) || mirrorHost;
  const code = err instanceof Error ? (err as NodeJS.ErrnoException).code : undefined;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL') return `${host}: no such host`;
  if (code && UNREACHABLE.test(code)) return `${host}: cannot be reached`;
  if (code && TLS.test(code)) return `${host}: the secure connection failed (TLS or certificate)`;
  if (code === 'ECONNRESET' || (err instanceof Error && err.message === 'aborted')) return `${host}: connection dropped`;
  if (code === 'ERR_STREAM_PREMATURE_CLOSE') return `${host}: connection closed early`;
  if (code === 'ETIMEDOUT') return `${host}: timed out`;
  return `${host}: the connection failed`;
}

/** An HTTP status in words. */
function statusWords(status: number): string {
  if (status === 404 || status === 410) return 'has no such file';
  if (status === 401 || status === 403 || status === 407) return 'refuses access';
  if (status === 429) return 'is overloaded (too many requests)';
  if (status >= 500) return 'has a server error';
  return 'gave an answer that is not the file';
}

/** A response, and why its connection was cut by us when it went silent (else null). */
interface Answer {
  res: http.IncomingMessage;
  stalled: () => string | null;
  /** The host that answered (after redirects). */
  host: string;
}

/** Where one GET may go: the mirror's address rule and resolver. */
interface Route {
  allowed: Set<AddressKind>;
  resolve: Tuned['resolve'];
}

/**
 * GET with redirects (http and https only, each target under the address
 * rule), no content coding (the stored bytes must be the served ones) and a
 * silence timeout. `host` in errors is the host that failed.
 */
function get(url: string, headers: Record<string, string>, signal: AbortSignal, stallMs: number, route: Route, redirects = MAX_REDIRECTS): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const address = hostOf(url);
    // Named with its port: two mirrors may share a host.
    const host = target.host;
    const lib = target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : null;
    if (!lib) {
      reject(new AddressRefused(`redirected to a ${target.protocol} URL, not http or https: refused`));
      return;
    }
    // An address in the URL itself is never looked up: the rule is checked here.
    if (net.isIP(address) && !route.allowed.has(addressKind(address))) {
      reject(new AddressRefused(`${host} is ${KIND_WORDS[addressKind(address) as Exclude<AddressKind, 'public'>]}: refused`));
      return;
    }
    let stalled: string | null = null;
    const req = lib.get(target, { headers, signal, timeout: stallMs, agent: false, lookup: guardedLookup(route.resolve, route.allowed) }, (res) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (status >= 300 && status < 400 && location) {
        res.resume();
        let next: string;
        try {
          next = new URL(location, target).href;
        } catch {
          reject(new MirrorError(`${host}: redirected to an address that is not a URL`));
          return;
        }
        if (redirects === 0) reject(new MirrorError(`${host}: more than ${MAX_REDIRECTS} redirects`));
        else get(next, headers, signal, stallMs, route, redirects - 1).then(resolve, reject);
        return;
      }
      resolve({ res, stalled: () => stalled, host });
    });
    // The address actually connected to, checked once more (a resolver bypassed, an address in the URL).
    req.on('socket', (socket) => {
      socket.once('connect', () => {
        const address = socket.remoteAddress;
        if (address && !route.allowed.has(addressKind(address)))
          req.destroy(new AddressRefused(`${host} is ${KIND_WORDS[addressKind(address) as Exclude<AddressKind, 'public'>]}: refused`));
      });
    });
    req.on('timeout', () => {
      stalled = `${host}: no data for ${stallMs >= 1000 ? `${Math.round(stallMs / 1000)} s` : `${stallMs} ms`}`;
      req.destroy(new Error(stalled));
    });
    req.on('error', (err) => {
      // The failing host is said with the failure: after a redirect it is not the mirror's.
      if (err instanceof AddressRefused && !err.message.startsWith(host)) reject(new AddressRefused(`${host} ${err.message}`));
      else {
        failedHost.set(err, host);
        reject(err);
      }
    });
  });
}

/** The host a connection error came from, when a redirect took the request elsewhere. */
const failedHost = new WeakMap<Error, string>();

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
 * Leaves a mirror that sends fewer than `minBytesPerSecond` over a whole
 * window: a trickle that never goes silent long enough for the stall timeout
 * would otherwise hold the download for hours.
 */
class ThroughputGuard {
  private windowStart = performance.now();
  private windowBytes = 0;
  private readonly timer: NodeJS.Timeout;
  /** Why the connection was cut, once it was. */
  verdict: string | null = null;

  constructor(minBytesPerSecond: number, windowMs: number, host: string, cut: (reason: string) => void) {
    const need = (minBytesPerSecond * windowMs) / 1000;
    this.timer = setInterval(
      () => {
        const now = performance.now();
        if (now - this.windowStart < windowMs) return;
        if (this.windowBytes < need) {
          const seconds = windowMs >= 1000 ? `${Math.round(windowMs / 1000)} s` : `${windowMs} ms`;
          this.verdict = `${host}: too slow (${Math.round((this.windowBytes * 1000) / (now - this.windowStart))} bytes/s over ${seconds}, under ${minBytesPerSecond})`;
          cut(this.verdict);
        }
        this.windowStart = now;
        this.windowBytes = 0;
      },
      Math.max(10, windowMs / 10),
    );
  }

  add(bytes: number): void {
    this.windowBytes += bytes;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/**
 * Brings one file from one mirror into its .part: resumes with Range (and
 * If-Range, so a changed file restarts) after a drop, starts over when the
 * server ignores Range, retries with backoff while connections fail without
 * progress. Throws MirrorError when this mirror should be given up, and a
 * StudioError IO when the .part cannot be written.
 */
async function fetchFromMirror(job: FileJob, mirror: string, route: Route, o: Tuned, meter: ProgressMeter, emit: (e: DownloadEvent) => void): Promise<void> {
  const url = fileUrl(mirror, job.name);
  const mirrorHost = new URL(mirror).host;
  await local(job.part, () => fsp.rm(job.part, { force: true }));
  meter.use(mirror);
  meter.reset(job.name, 0);
  let have = 0;
  let validator: string | null = null;
  let fruitless = 0;
  for (;;) {
    const before = have;
    let answer: Answer | null = null;
    let guard: ThroughputGuard | null = null;
    try {
      const headers: Record<string, string> = { 'accept-encoding': 'identity', 'user-agent': `mnist-studio/${appVersion()}` };
      if (have > 0) {
        headers.range = `bytes=${have}-`;
        if (validator) headers['if-range'] = validator;
      }
      answer = await get(url, headers, o.signal, o.stallTimeoutMs, route);
      const { res, host } = answer;
      const status = res.statusCode ?? 0;
      const length = res.headers['content-length'] === undefined ? null : Number(res.headers['content-length']);
      let end: number | null;
      if (status === 206 && have > 0) {
        const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers['content-range'] ?? '');
        if (!range || Number(range[1]) !== have) {
          res.destroy();
          throw new AttemptError(`${host}: answered a resumed request with the wrong part of the file`);
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
        await local(job.part, () => fsp.rm(job.part, { force: true }));
        meter.reset(job.name, 0);
        throw new AttemptError('answered Range with 416: starting over');
      } else {
        res.resume();
        throw new MirrorError(`${host} ${statusWords(status)}`);
      }
      if (end !== null) {
        if (end > MAX_IDX_BYTES) {
          res.destroy();
          throw new MirrorError(`${host}: announces ${end} bytes, more than any MNIST-format file`);
        }
        meter.setTotal(job.name, end);
      }
      guard = new ThroughputGuard(o.minBytesPerSecond, o.slowWindowMs, host, (reason) => res.destroy(new MirrorError(reason)));
      // Chunks are written as they are read, so after a drop the .part holds what
      // arrived (less what the stream still buffered) and the resume starts there.
      const handle = await local(job.part, () => fsp.open(job.part, status === 206 ? 'a' : 'w'));
      try {
        for await (const chunk of res as AsyncIterable<Buffer>) {
          if (have + chunk.length > MAX_IDX_BYTES) {
            res.destroy();
            throw new MirrorError(`${host}: sent more than ${MAX_IDX_BYTES} bytes`);
          }
          await local(job.part, () => handle.write(chunk));
          have += chunk.length;
          guard.add(chunk.length);
          meter.add(job.name, chunk.length);
        }
      } finally {
        await local(job.part, () => handle.close());
      }
      have = await sizeOf(job.part);
      if (end !== null && have !== end) throw new AttemptError(`connection closed at byte ${have} of ${end}`);
      meter.report(job.name);
      return;
    } catch (err) {
      if (o.signal.aborted) throw err;
      if (err instanceof MirrorError || err instanceof StudioError) throw err;
      if (guard?.verdict) throw new MirrorError(guard.verdict);
      const code = (err as NodeJS.ErrnoException).code ?? '';
      const host = answer?.host ?? mirrorHost;
      // Retrying would not cure these: the address rule, no such host, nothing listening, a TLS failure (after a redirect too).
      if (err instanceof AddressRefused || (answer === null && (UNREACHABLE.test(code) || TLS.test(code)))) {
        const unreachable = new MirrorError(describe(err, host));
        unreachable.unreachable = true;
        throw unreachable;
      }
      have = await sizeOf(job.part);
      meter.reset(job.name, have);
      fruitless = have > before ? 0 : fruitless + 1;
      const reason = answer?.stalled() ?? (err instanceof AttemptError ? err.message : describe(err, host));
      if (fruitless > o.retries) throw new MirrorError(`${reason}; gave up after ${o.retries} retries without progress`);
      const delayMs = o.backoffMs * 2 ** Math.min(Math.max(fruitless - 1, 0), 4);
      emit({ kind: 'retry', dataset: o.spec.id, file: job.name, mirror, attempt: fruitless, delayMs, fromByte: have, reason });
      await sleep(delayMs, undefined, { signal: o.signal });
    } finally {
      guard?.stop();
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
  o: Tuned,
  meter: ProgressMeter,
  emit: (e: DownloadEvent) => void,
  unreachable: Map<string, string>,
  routes: Map<string, Route>,
): Promise<Fetched> {
  const failures: { mirror: string; reason: string; integrity: boolean }[] = [];
  for (const mirror of o.mirrors) {
    const dead = unreachable.get(mirror);
    if (dead) {
      failures.push({ mirror, reason: dead, integrity: false });
      continue;
    }
    try {
      let route = routes.get(mirror);
      if (!route) {
        const allowed = await allowedKinds(mirror, o.resolve).catch((err: unknown) => {
          const failed = new MirrorError(describe(err, new URL(mirror).host));
          failed.unreachable = true;
          throw failed;
        });
        route = { allowed, resolve: o.resolve };
        routes.set(mirror, route);
      }
      await fetchFromMirror(job, mirror, route, o, meter, emit);
      const report = await verifyRegistryFile(job.part, job.name, o.spec, job.role).catch((err: unknown) => {
        // What failed is said in words: the answer's bytes or digests are not repeated (a "mirror" may be a service that is not one).
        throw err instanceof StudioError && err.code === 'INTEGRITY'
          ? new StudioError('INTEGRITY', `${new URL(mirror).host} sent something that is not ${o.spec.name}'s ${job.name} (it failed verification)`)
          : err;
      });
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
      const reason = err.message;
      failures.push({ mirror, reason, integrity: err instanceof StudioError });
      if (err instanceof MirrorError && err.unreachable) unreachable.set(mirror, reason);
      emit({ kind: 'mirror-failed', dataset: o.spec.id, file: job.name, mirror, reason });
    }
  }
  const code = failures.length > 0 && failures.every((f) => f.integrity) ? 'INTEGRITY' : 'NETWORK';
  const offline = failures.every((f) => unreachable.has(f.mirror)) ? ' (offline? import the four files instead, or add a mirror you can reach)' : '';
  throw new StudioError(code, `${job.name}: no mirror gave a good copy: ${failures.map((f) => f.reason).join('; ')}${offline}`);
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
    minBytesPerSecond: options.minBytesPerSecond ?? 1024,
    slowWindowMs: options.slowWindowMs ?? 30_000,
    resolve: options.resolve ?? ((hostname: string) => dns.promises.lookup(hostname, { all: true })),
  };
  const { spec } = o;
  try {
    const dir = datasetDir(o.home, spec.id);
    await fsp.mkdir(dir, { recursive: true });
    // A .part left by a crash is never resumed: its mirror and validator are unknown.
    for (const entry of await fsp.readdir(dir)) if (entry.endsWith('.part')) await fsp.rm(path.join(dir, entry), { force: true });

    const previous = await readManifest(dir);
    // An imported set that took this id before imports were recognised by digest: its files are the user's, never replaced by a download.
    const foreign = (): StudioError =>
      new StudioError(
        'INVALID_ARGUMENT',
        `${spec.name}: ${dir} holds another dataset${previous?.origin.kind === 'import' ? ` (imported from ${previous.origin.from})` : ''}; delete it first (mnist-studio datasets delete ${spec.id}, or on the Data screen)`,
        'id',
      );
    if (previous && previous.id !== spec.id) throw foreign();
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
          if (previous?.origin.kind === 'import') throw foreign();
          // Altered on disk since it was verified: fetch it again. It stays until a verified copy is renamed over it, so a failed download loses nothing.
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
    const routes = new Map<string, Route>();
    for (const job of todo) {
      if (o.signal.aborted) throw cancelled(spec);
      const fetched = await fetchFile(job, dir, o, meter, emit, unreachable, routes);
      have[job.role] = fetched;
      used.add(fetched.mirror);
    }
    for (const role of IDX_ROLES) {
      const h = have[role]!;
      results.push({ name: path.basename(h.file), status: 'mirror' in h ? 'downloaded' : 'cached', mirror: 'mirror' in h ? h.mirror : null, bytes: h.report.fileBytes });
    }
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
    private readonly tuning: Pick<DownloadOptions, 'retries' | 'backoffMs' | 'stallTimeoutMs' | 'progressIntervalMs' | 'minBytesPerSecond' | 'slowWindowMs' | 'resolve'> = {},
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
