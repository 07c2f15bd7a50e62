import { useI18n } from 'vue-i18n';
import { useNoticesStore, type ToastInput, type ToastText } from '../stores/notices';
import { useStudioInfoStore } from '../stores/studio-info';
import { useStudio } from './useStudio';

type Translate = (key: string, values: Record<string, unknown>) => string;

/** Renders a toast text in the current language; an unknown key shows its fallback. */
export function translateText(value: ToastText, t: Translate, te: (key: string) => boolean): string {
  if ('text' in value) return value.text;
  if (!te(value.key)) return value.fallback ?? '';
  const values: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(value.values ?? {})) values[name] = typeof v === 'object' ? translateText(v, t, te) : v;
  return t(value.key, values);
}

export interface NotifyOptions extends ToastInput {
  /**
   * Also tell the operating system, for news that matters while the user is
   * elsewhere (a long run finished): shown only when this window is not
   * focused and notifications are allowed.
   */
  system?: boolean;
  /** False when the screen in view already shows the news: then only the OS is told (if `system`). */
  toast?: boolean;
}

/**
 * An OS notification while this window is in the background. The desktop
 * app's pages hold no permissions (every one is refused), so there main
 * raises it (`app:notify`); a browser uses its own, once the user allowed it.
 */
function tellSystem(title: string, body: string | undefined, desktop: boolean): void {
  if (document.hasFocus()) return;
  if (desktop) {
    void useStudio()?.app.notify(body === undefined ? { title } : { title, body });
    return;
  }
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  new Notification(title, body === undefined ? {} : { body });
}

/** Tells the user something: a toast, and with `system` an OS notification. */
export function useNotify() {
  const notices = useNoticesStore();
  const studioInfo = useStudioInfoStore();
  const { t, te } = useI18n();
  const text = (value: ToastText) => translateText(value, t, (key) => te(key));

  /** The toast's id, or null when only the OS was told. */
  function notify(options: NotifyOptions): number | null {
    const { system, toast: inApp = true, ...toast } = options;
    const id = inApp ? notices.push(toast) : null;
    if (system) tellSystem(text(toast.title), toast.body && text(toast.body), studioInfo.info?.shell === 'electron');
    return id;
  }

  return { notify, dismiss: notices.dismiss, text };
}
