import type { DomainHandlers } from '../studio-context';
import type { SettingsService } from './service';

/** The `settings` domain. Each call also announces what reading the file had to report (a file moved aside). */
export function settingsHandlers(settings: SettingsService): DomainHandlers<'settings'> {
  return {
    'settings:get': async () => {
      try {
        return settings.read();
      } finally {
        settings.announce();
      }
    },
    'settings:update': async (patch) => {
      try {
        return settings.update(patch);
      } finally {
        settings.announce();
      }
    },
  };
}
