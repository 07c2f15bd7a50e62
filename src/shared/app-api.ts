import { z } from 'zod';
import type { AppInfo } from './app-info';
import { method, NoInput } from './method';

export const PickFolderInput = z
  .object({
    /** The dialog's title, in the user's language (the renderer translates it). */
    title: z.string().trim().min(1).max(200).optional(),
  })
  .strict();

/** What a file dialog offers to open or save: `{ name: 'ONNX', extensions: ['onnx'] }`. */
export const FileFilter = z
  .object({
    name: z.string().trim().min(1).max(100),
    extensions: z.array(z.string().regex(/^[A-Za-z0-9]{1,10}$/, { error: 'must be an extension without its dot' })).min(1).max(10),
  })
  .strict();
export type FileFilter = z.output<typeof FileFilter>;

export const PickFileInput = PickFolderInput.extend({ filters: z.array(FileFilter).max(10).optional() }).strict();

export const PickSavePathInput = PickFileInput.extend({
  /** The name the dialog proposes (a file name, not a path). */
  defaultName: z
    .string()
    .trim()
    .min(1)
    .max(255)
    .refine((name) => !/[\\/]/.test(name), { error: 'must be a file name, not a path' })
    .optional(),
}).strict();

export const NotifyInput = z
  .object({
    /** In the user's language: the renderer translates. */
    title: z.string().trim().min(1).max(200),
    body: z.string().max(1000).optional(),
  })
  .strict();

/** The app itself: versions and paths, and the desktop's own dialogs. */
export const APP_API = {
  'app:info': method<AppInfo>()(NoInput, 'Versions, platform and studio home, for the About panel and diagnostics.'),
  'app:pickFolder': method<{ path: string | null }>()(
    PickFolderInput,
    'A native folder dialog (the preload may not open one): the chosen folder, or null when the user closes it; UNAVAILABLE in web mode, where the browser is not on the engine’s machine.',
  ),
  'app:notify': method<{ shown: boolean }>()(
    NotifyInput,
    'An OS notification from the desktop app (its pages may not raise one: every permission is refused), shown only while no studio window has the focus; UNAVAILABLE in web mode, where the page uses the browser’s.',
  ),
  'app:pickFile': method<{ path: string | null }>()(PickFileInput, 'A native dialog to open one file (a model’s .zip, say): its path, or null; UNAVAILABLE in web mode.'),
  'app:pickSavePath': method<{ path: string | null }>()(
    PickSavePathInput,
    'A native save dialog: where the user chose to write (the dialog asked before replacing a file), or null; UNAVAILABLE in web mode, where the browser downloads instead.',
  ),
};
