import { createRouter, createWebHashHistory, type RouteRecordRaw, type Router, type RouterHistory } from 'vue-router';
import type { Component } from 'vue';
import type { ScreenId } from './screens';

/** One view per screen, loaded when first shown. */
const VIEWS: Record<ScreenId, () => Promise<Component>> = {
  data: () => import('./views/DataView.vue'),
  model: () => import('./views/ModelView.vue'),
  train: () => import('./views/TrainView.vue'),
  runs: () => import('./views/RunsView.vue'),
  evaluate: () => import('./views/EvaluateView.vue'),
  playground: () => import('./views/PlaygroundView.vue'),
  write: () => import('./views/WriteView.vue'),
  models: () => import('./views/ModelsView.vue'),
  sweeps: () => import('./views/SweepsView.vue'),
  settings: () => import('./views/SettingsView.vue'),
};

declare module 'vue-router' {
  interface RouteMeta {
    screen?: ScreenId;
  }
}

export const HOME_SCREEN: ScreenId = 'data';

export const routes: RouteRecordRaw[] = [
  { path: '/', redirect: `/${HOME_SCREEN}` },
  ...(Object.keys(VIEWS) as ScreenId[]).map((screen) => ({ path: `/${screen}`, name: screen, component: VIEWS[screen], meta: { screen } })),
  // One run in full; the side bar shows it under Runs.
  { path: '/runs/:id', name: 'run', component: () => import('./views/RunDetailView.vue'), meta: { screen: 'runs' } },
  // A model's test set as a map; the side bar shows it under Models.
  { path: '/models/:id/map', name: 'model-map', component: () => import('./views/MapView.vue'), meta: { screen: 'models' } },
  { path: '/:unknown(.*)*', redirect: `/${HOME_SCREEN}` },
];

/**
 * Hash history: the desktop app loads index.html from app://studio, whose
 * handler serves only the built files, so a path-based URL would name a file that does not exist.
 */
export function createStudioRouter(history: RouterHistory = createWebHashHistory()): Router {
  return createRouter({ history, routes });
}
