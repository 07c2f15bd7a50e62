// First: zod must be configured before any schema is built.
import './zod-csp';
import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { connectStudio } from './boot';
import { createStudioI18n } from './i18n';
import { createStudioRouter } from './router';
import '@fontsource-variable/inter/wght.css';
// Chinese without a CJK system font: the regular and semibold weights the UI uses, in unicode-range slices a page loads as its text needs them.
import '@fontsource/noto-sans-sc/400.css';
import '@fontsource/noto-sans-sc/600.css';
import './assets/main.css';

// The system's theme until the settings say otherwise, so a dark desktop does not flash white.
document.documentElement.dataset.theme = window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';

const app = createApp(App);
const pinia = createPinia();
app.use(pinia).use(createStudioI18n()).use(createStudioRouter());
void connectStudio(pinia).then((disconnect) => {
  app.onUnmount(disconnect);
  app.mount('#app');
});
