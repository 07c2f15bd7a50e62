import type { WindowBounds } from '@shared/settings';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const DEFAULT_WINDOW_SIZE = { width: 1280, height: 820 };
export const MIN_WINDOW_SIZE = { width: 900, height: 600 };

/** How much of the title bar must lie on a display for the saved position to be kept: enough to grab and drag it. */
const GRIP = { width: 120, height: 24 };

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  return {
    width: Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x),
    height: Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y),
  };
}

/**
 * Where the desktop window opens: the saved size and position when its title
 * bar still lies on one of the displays' work areas (a monitor may have been
 * unplugged since), the saved size centred otherwise, the default size when
 * nothing was saved; never smaller than the minimum or larger than the
 * largest display.
 */
export function initialWindowBounds(saved: WindowBounds | null, workAreas: readonly Rect[]): Partial<Rect> & { width: number; height: number; maximized: boolean } {
  const maxWidth = Math.max(MIN_WINDOW_SIZE.width, ...workAreas.map((a) => a.width));
  const maxHeight = Math.max(MIN_WINDOW_SIZE.height, ...workAreas.map((a) => a.height));
  const width = Math.min(Math.max(saved?.width ?? DEFAULT_WINDOW_SIZE.width, MIN_WINDOW_SIZE.width), maxWidth);
  const height = Math.min(Math.max(saved?.height ?? DEFAULT_WINDOW_SIZE.height, MIN_WINDOW_SIZE.height), maxHeight);
  const maximized = saved?.maximized ?? false;
  if (saved?.x == null || saved.y == null) return { width, height, maximized };
  const titleBar = { x: saved.x, y: saved.y, width, height: GRIP.height };
  const onScreen = workAreas.some((area) => {
    const o = overlap(titleBar, area);
    return o.width >= GRIP.width && o.height >= GRIP.height;
  });
  return onScreen ? { x: saved.x, y: saved.y, width, height, maximized } : { width, height, maximized };
}

/** The window's normal bounds as the settings store them. */
export function windowBoundsToSave(normal: Rect, maximized: boolean): WindowBounds {
  return {
    x: Math.round(normal.x),
    y: Math.round(normal.y),
    width: Math.max(320, Math.round(normal.width)),
    height: Math.max(240, Math.round(normal.height)),
    maximized,
  };
}
