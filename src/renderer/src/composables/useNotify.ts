import { useI18n } from 'vue-i18n';
import { useNoticesStore, type ToastInput, type ToastText } from '../stores/notices';

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
}

function tellSystem(title: string, body: string | undefined): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted' || document.hasFocus()) return;
  new Notification(title, body === undefined ? {} : { body });
}

/** Tells the user something: a toast, and with `system` an OS notification. */
export function useNotify() {
  const notices = useNoticesStore();
  const { t, te } = useI18n();
  const text = (value: ToastText) => translateText(value, t, (key) => te(key));

  function notify(options: NotifyOptions): number {
    const { system, ...toast } = options;
    const id = notices.push(toast);
    if (system) tellSystem(text(toast.title), toast.body && text(toast.body));
    return id;
  }

  return { notify, dismiss: notices.dismiss, text };
}
