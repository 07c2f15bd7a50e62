import { z } from 'zod';
import type { AppInfo } from './app-info';
import { method, NoInput } from './method';

export const PickFolderInput = z
  .object({
    /** The dialog's title, in the user's language (the renderer translates it). */
    title: z.string().trim().min(1).max(200).optional(),
  })
  .strict();

/** The app itself: versions and paths, and the desktop's own dialogs. */
export const APP_API = {
  'app:info': method<AppInfo>()(NoInput, 'Versions, platform and studio home, for the About panel and diagnostics.'),
  'app:pickFolder': method<{ path: string | null }>()(
    PickFolderInput,
    'A native folder dialog (the preload may not open one): the chosen folder, or null when the user closes it; UNAVAILABLE in web mode, where the browser is not on the engine’s machine.',
  ),
};
