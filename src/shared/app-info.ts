/** What the studio knows about itself and its machine without loading TensorFlow. */
export interface AppInfo {
  name: string;
  productName: string;
  version: string;
  /** 'electron' in the desktop app, 'web' when served by `mnist-studio serve`. */
  shell: 'electron' | 'web';
  versions: { node: string; electron: string | null; chrome: string | null; v8: string };
  platform: string;
  arch: string;
  cpus: number;
  /** The studio home: datasets, runs, models and settings live here. */
  home: string;
}
