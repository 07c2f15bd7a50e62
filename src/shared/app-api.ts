import { z } from 'zod';
import type { AppInfo } from './app-info';
import { ALL_SHELLS, method, NoInput } from './method';

/** What a file dialog offers to open or save: `{ name: 'ONNX', extensions: ['onnx'] }`. */
export const FileFilter = z
  .object({
    name: z.string().trim().min(1).max(100),
    extensions: z
      .array(z.string().regex(/^[A-Za-z0-9]{1,10}$/, { error: 'must be an extension without its dot' }))
      .min(1)
      .max(10),
  })
  .strict();
export type FileFilter = z.output<typeof FileFilter>;

export const NotifyInput = z
  .object({
    /** In the user's language: the renderer translates. */
    title: z.string().trim().min(1).max(200),
    body: z.string().max(1000).optional(),
  })
  .strict();

/** The app itself: versions and paths, and the desktop's own notifications. */
export const APP_API = {
  'app:info': method<AppInfo>()(NoInput, 'Versions, platform and studio home, for the About panel and diagnostics.', ALL_SHELLS),
  'app:notify': method<{ shown: boolean }>()(
    NotifyInput,
    'An OS notification from the desktop app (its pages may not raise one: every permission is refused), shown only while no studio window has the focus; the web page uses the browser’s.',
    ['desktop'],
  ),
};
