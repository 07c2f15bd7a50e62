import type { IconName } from './components/icons';

/** A screen of the side bar. Its title and summary are `screens.<id>.title` / `.summary` in every language. */
export interface ScreenDef {
  id: string;
  icon: IconName;
  /** The side bar's section: the steps to a trained model, then what comes of it. */
  group: 'workflow' | 'results';
}

export const SCREENS = [
  { id: 'data', icon: 'data', group: 'workflow' },
  { id: 'model', icon: 'model', group: 'workflow' },
  { id: 'train', icon: 'train', group: 'workflow' },
  { id: 'runs', icon: 'runs', group: 'results' },
  { id: 'evaluate', icon: 'evaluate', group: 'results' },
  { id: 'playground', icon: 'playground', group: 'results' },
  { id: 'write', icon: 'write', group: 'results' },
  { id: 'models', icon: 'models', group: 'results' },
  { id: 'sweeps', icon: 'sweeps', group: 'results' },
] as const satisfies readonly ScreenDef[];

export type ScreenId = (typeof SCREENS)[number]['id'] | 'settings';

export const SCREEN_GROUPS = ['workflow', 'results'] as const;
