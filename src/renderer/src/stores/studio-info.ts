import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { AppInfo } from '@shared/app-info';
import type { ApiError } from '@shared/result';
import { useStudio } from '../composables/useStudio';

export type Connection = 'connecting' | 'connected' | 'offline' | 'failed';

/** Which engine the page talks to (desktop app or web mode) and what it reports about itself. */
export const useStudioInfoStore = defineStore('studioInfo', () => {
  const connection = ref<Connection>('connecting');
  const info = ref<AppInfo | null>(null);
  const error = ref<ApiError | null>(null);

  async function load(): Promise<void> {
    const studio = useStudio();
    if (!studio) {
      connection.value = 'offline';
      return;
    }
    const res = await studio.app.info({});
    if (res.ok) {
      info.value = res.value;
      connection.value = 'connected';
    } else {
      error.value = res.error;
      connection.value = 'failed';
    }
  }

  return { connection, info, error, load };
});
