import type { StudioClient } from '../shared/api';

declare global {
  interface Window {
    /** Present in the desktop app (exposed by the preload); absent in web mode. */
    studio?: StudioClient;
  }
}

export {};
