import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './project';

const VIEWS = path.join(ROOT, 'src', 'renderer', 'src', 'views');

/**
 * Screens whose view still shows `<ScreenPlaceholder>` (their engine has
 * not landed), read from the views themselves, so the shell's tests of the
 * empty states follow the screens as they are filled in. (The component
 * tests read the same from their bundle: test/renderer/harness.ts.)
 */
export function placeholderScreens(): string[] {
  return fs
    .readdirSync(VIEWS)
    .map((file): string | undefined => /<ScreenPlaceholder screen="(\w+)"/.exec(fs.readFileSync(path.join(VIEWS, file), 'utf8'))?.[1])
    .filter((id): id is string => id !== undefined);
}
