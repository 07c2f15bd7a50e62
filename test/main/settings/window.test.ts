import { describe, expect, it } from 'vitest';
import { DEFAULT_WINDOW_SIZE, initialWindowBounds, MIN_WINDOW_SIZE, windowBoundsToSave } from '../../../src/main/settings/window';

const laptop = { x: 0, y: 0, width: 1920, height: 1040 };
const rightMonitor = { x: 1920, y: 0, width: 2560, height: 1400 };

describe('initialWindowBounds', () => {
  it('opens at the default size, centred, the first time', () => {
    expect(initialWindowBounds(null, [laptop])).toEqual({ ...DEFAULT_WINDOW_SIZE, maximized: false });
  });

  it('reopens where the window was when that place is still on a display', () => {
    const saved = { x: 2100, y: 80, width: 1500, height: 900, maximized: true };
    expect(initialWindowBounds(saved, [laptop, rightMonitor])).toEqual(saved);
  });

  it('keeps the size but centres the window when its monitor is gone', () => {
    const saved = { x: 2100, y: 80, width: 1500, height: 900, maximized: false };
    expect(initialWindowBounds(saved, [laptop])).toEqual({ width: 1500, height: 900, maximized: false });
  });

  it('centres a window whose title bar would sit above the top of every display, or barely on one', () => {
    expect(initialWindowBounds({ x: 100, y: -500, width: 1000, height: 700, maximized: false }, [laptop])).not.toHaveProperty('x');
    expect(initialWindowBounds({ x: 1900, y: 10, width: 1000, height: 700, maximized: false }, [laptop])).not.toHaveProperty('x');
    expect(initialWindowBounds({ x: 1700, y: 10, width: 1000, height: 700, maximized: false }, [laptop])).toHaveProperty('x', 1700);
  });

  it('never opens smaller than the minimum or larger than the largest display', () => {
    const tiny = initialWindowBounds({ x: null, y: null, width: 320, height: 240, maximized: false }, [laptop]);
    expect(tiny).toEqual({ ...MIN_WINDOW_SIZE, maximized: false });
    const huge = initialWindowBounds({ x: null, y: null, width: 9000, height: 9000, maximized: false }, [laptop, rightMonitor]);
    expect(huge).toEqual({ width: 2560, height: 1400, maximized: false });
  });
});

describe('windowBoundsToSave', () => {
  it('rounds fractional bounds (scaled displays) to what the settings schema takes', () => {
    expect(windowBoundsToSave({ x: 10.4, y: -3.6, width: 1279.5, height: 819.2 }, true)).toEqual({
      x: 10,
      y: -4,
      width: 1280,
      height: 819,
      maximized: true,
    });
  });
});
