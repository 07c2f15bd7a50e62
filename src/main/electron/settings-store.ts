import Store from 'electron-store';
import { DOCUMENT_OPTIONS, withSafeWrites, type SettingsStoreFactory } from '../settings/store';

/**
 * settings.json through electron-store in the desktop app: the same file and
 * format conf gives the CLI and web mode. electron-store imports electron
 * when it loads, so it lives here and nowhere else.
 */
export const electronSettingsStore: SettingsStoreFactory = ({ dir, name }) => withSafeWrites(new Store<Record<string, unknown>>({ cwd: dir, name, ...DOCUMENT_OPTIONS }));
