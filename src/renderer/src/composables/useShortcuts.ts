import { onMounted, onUnmounted } from 'vue';
import { useRouter } from 'vue-router';
import { matchShortcut, SEQUENCE_MS, type ShortcutAction } from '../shortcuts';
import { useShortcutsStore } from '../stores/shortcuts';
import { isLive, useTrainingStore } from '../stores/training';

/** Where keys type or draw: a shortcut there would take the user's keystroke. */
function isField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target.closest('[data-no-shortcuts]')) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  // Check boxes, radios and buttons take Space and Enter, not letters.
  return target instanceof HTMLInputElement && !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file'].includes(target.type);
}

/** The app's keyboard shortcuts (see shortcuts.ts), on the whole window while the app is mounted. */
export function useShortcuts(): void {
  const router = useRouter();
  const shortcuts = useShortcutsStore();
  const training = useTrainingStore();
  let gAt = 0;

  function run(action: ShortcutAction): void {
    switch (action.kind) {
      case 'screen':
        void router.push(`/${action.screen}`);
        break;
      case 'help':
        shortcuts.helpOpen = true;
        break;
      case 'start':
        shortcuts.start?.();
        break;
      case 'pauseResume':
        if (training.phase === 'paused') void training.resume();
        else if (training.phase === 'running') void training.pause();
        break;
      case 'stop':
        if (isLive(training.phase)) void training.stop();
        break;
      default:
        throw new Error(`unknown shortcut: ${JSON.stringify(action satisfies never)}`);
    }
  }

  function onKeydown(event: KeyboardEvent): void {
    // A dialog (the help included) owns the keyboard while it is open; a key a control took is not ours.
    if (event.defaultPrevented || event.isComposing || document.querySelector('dialog[open]')) return;
    const afterG = gAt > 0 && Date.now() - gAt < SEQUENCE_MS;
    gAt = 0;
    const match = matchShortcut({ ...pick(event), inField: isField(event.target) }, afterG);
    if (!match) return;
    event.preventDefault();
    if ('g' in match) gAt = Date.now();
    else run(match);
  }

  onMounted(() => window.addEventListener('keydown', onKeydown));
  onUnmounted(() => window.removeEventListener('keydown', onKeydown));
}

function pick(e: KeyboardEvent) {
  return { key: e.key, code: e.code, altKey: e.altKey, ctrlKey: e.ctrlKey, metaKey: e.metaKey, shiftKey: e.shiftKey };
}
