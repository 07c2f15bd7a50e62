/**
 * Sizes, speeds, durations and counts written the way the UI's language
 * writes them (Intl), for any screen: "12.3 MB", "3.2 MB/s" / "3.2 MB/秒",
 * "2 min 5 sec" / "2分钟5秒", "60,000".
 */

/** Number formats by locale and options: making one costs far more than using it, and a live run formats many numbers a second. */
const formats = new Map<string, Intl.NumberFormat>();

export function cachedFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, options);
    formats.set(key, format);
  }
  return format;
}

const BYTE_UNITS = [
  [1e9, 'gigabyte'],
  [1e6, 'megabyte'],
  [1e3, 'kilobyte'],
] as const;

function unit(locale: string, name: string, value: number, digits: number): string {
  return cachedFormat(locale, { style: 'unit', unit: name, unitDisplay: 'short', maximumFractionDigits: digits }).format(value);
}

/** A size in decimal units (1 MB = 10⁶ bytes, as servers and the CLI count), one decimal. */
export function formatBytes(bytes: number, locale: string, perSecond = false): string {
  const per = perSecond ? '-per-second' : '';
  for (const [size, name] of BYTE_UNITS) if (bytes >= size) return unit(locale, `${name}${per}`, bytes / size, 1);
  return unit(locale, `byte${per}`, Math.round(bytes), 0);
}

/** A duration rounded to what a person needs: milliseconds under a second (a cached download is not "0 s"), seconds under a minute, then minutes and seconds, then hours and minutes. */
export function formatDuration(seconds: number, locale: string): string {
  if (seconds < 0.9995) return unit(locale, 'millisecond', Math.max(0, Math.round(seconds * 1000)), 0);
  const s = Math.max(0, Math.round(seconds));
  // Chinese writes "2分钟5秒" without a space; the languages we have that use spaces do.
  const join = (a: string, b: string) => (locale.startsWith('zh') ? `${a}${b}` : `${a} ${b}`);
  if (s < 60) return unit(locale, 'second', s, 0);
  if (s < 3600) return s % 60 === 0 ? unit(locale, 'minute', s / 60, 0) : join(unit(locale, 'minute', Math.floor(s / 60), 0), unit(locale, 'second', s % 60, 0));
  const minutes = Math.round((s % 3600) / 60);
  return minutes === 0 ? unit(locale, 'hour', Math.floor(s / 3600), 0) : join(unit(locale, 'hour', Math.floor(s / 3600), 0), unit(locale, 'minute', minutes, 0));
}

export function formatCount(count: number, locale: string): string {
  return cachedFormat(locale, {}).format(count);
}

export function formatPercent(fraction: number, locale: string, digits = 0): string {
  return cachedFormat(locale, { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(fraction);
}

/** A measured value such as a loss or a learning rate: three significant digits, never an exponent a person has to decode. */
export function formatNumber(value: number, locale: string, significant = 3): string {
  return cachedFormat(locale, { maximumSignificantDigits: significant }).format(value);
}

/** A moment as a list of things that happened shows it: day and time to the minute (or second), in the UI's language and the computer's time zone. */
export function formatDateTime(iso: string, locale: string, options: { seconds?: boolean } = {}): string {
  return new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', ...(options.seconds ? { second: '2-digit' } : {}) }).format(
    new Date(iso),
  );
}

/** The day of a moment ("Jun 3" / "6月3日"), for a column that puts the time under it. */
export function formatDate(iso: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric' }).format(new Date(iso));
}

export function formatTime(iso: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}

/** The host (and port) of a URL, which says where data comes from in fewer characters than the URL. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
