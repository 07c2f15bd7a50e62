import type { AppInfo } from './app-info';
import { method, NoInput } from './method';

/** The app itself: versions and paths. */
export const APP_API = {
  'app:info': method<AppInfo>()(NoInput, 'Versions, platform and studio home, for the About panel and diagnostics.'),
};
