import { ALL_SHELLS, method, NoInput } from './method';
import { SettingsPatch, type Settings } from './settings';

/** The user's preferences: language, theme, mirrors, what was used last, the window. */
export const SETTINGS_API = {
  'settings:get': method<Settings>()(NoInput, 'The current settings, read from settings.json (defaults when it is missing or unusable).', ALL_SHELLS),
  'settings:update': method<Settings>()(
    SettingsPatch,
    'Change some settings: each given field replaces the stored one; answers the whole new settings and announces them on the `settings` stream.',
    ALL_SHELLS,
    // The mirrors are URLs the engine fetches: a browser, perhaps on another machine, may not set them.
    { mirrors: ['cli', 'desktop'] },
  ),
};
