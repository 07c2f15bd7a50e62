import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { NoticeEvent } from '@shared/events';

export type ToastLevel = 'info' | 'success' | 'warning' | 'error';

/**
 * What a toast says: a message key, translated when shown (so a toast follows
 * a language switch), with values that may themselves be translatable; or
 * text as given. `fallback` is shown when the key is unknown.
 */
export type ToastText = { key: string; values?: Record<string, string | number | ToastText>; fallback?: string } | { text: string };

export interface ToastInput {
  level: ToastLevel;
  title: ToastText;
  body?: ToastText;
  /** Technical detail (a file path, an engine message), shown small and untranslated. */
  detail?: string;
  /** Milliseconds until it goes away by itself; null keeps it until dismissed. Defaults by level. */
  timeoutMs?: number | null;
}

export interface Toast extends ToastInput {
  id: number;
}

const DEFAULT_TIMEOUT: Record<ToastLevel, number | null> = { info: 6000, success: 4000, warning: 20000, error: null };
const MAX_TOASTS = 5;

/** The toasts on screen. Anything may push one; `notice` events from main become toasts here. */
export const useNoticesStore = defineStore('notices', () => {
  const toasts = ref<Toast[]>([]);
  const timers = new Map<number, ReturnType<typeof setTimeout>>();
  let nextId = 1;

  function dismiss(id: number): void {
    clearTimeout(timers.get(id));
    timers.delete(id);
    toasts.value = toasts.value.filter((t) => t.id !== id);
  }

  function push(input: ToastInput): number {
    const id = nextId++;
    toasts.value = [...toasts.value, { ...input, id }];
    // The oldest goes first when too many pile up.
    while (toasts.value.length > MAX_TOASTS) dismiss(toasts.value[0]!.id);
    const timeout = input.timeoutMs === undefined ? DEFAULT_TIMEOUT[input.level] : input.timeoutMs;
    if (timeout !== null)
      timers.set(
        id,
        setTimeout(() => dismiss(id), timeout),
      );
    return id;
  }

  function clear(): void {
    for (const toast of toasts.value) dismiss(toast.id);
  }

  /**
   * A notice from main: translated as `notices.<id>.title` / `.body` when it
   * has an id, its English message otherwise. A `reason` value is a code
   * translated under `reasons.<code>` (with the notice's other values); a
   * `file` value is shown as the detail, where a long path reads best.
   */
  function fromNotice(notice: NoticeEvent): number {
    const values: Record<string, string | number | ToastText> = { ...notice.values };
    const reason = notice.values?.reason;
    if (typeof reason === 'string') values.reason = { key: `reasons.${reason}`, values: { ...notice.values }, fallback: String(notice.values?.problem ?? reason) };
    return push({
      level: notice.level,
      title: notice.id ? { key: `notices.${notice.id}.title` } : { key: `toast.levels.${notice.level}` },
      body: notice.id ? { key: `notices.${notice.id}.body`, values, fallback: notice.message } : { text: notice.message },
      ...(notice.id && typeof notice.values?.file === 'string' ? { detail: notice.values.file } : {}),
    });
  }

  return { toasts, push, dismiss, clear, fromNotice };
});
