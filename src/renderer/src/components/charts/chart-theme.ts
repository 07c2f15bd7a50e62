import { Chart, Decimation, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import { computed, onMounted, onUnmounted, ref, type ComputedRef } from 'vue';

// What the studio's line charts use of chart.js, registered once (tree-shaken: no other chart types ship).
Chart.register(LineController, LineElement, PointElement, LinearScale, Decimation, Legend, Tooltip);

/** How many series colours the theme defines (`--series-1` … `--series-8`); more series reuse them in turn. */
export const SERIES_COLORS = 8;

/** The colours and font a chart draws with, read from the CSS custom properties of the theme in effect. */
export interface ChartTheme {
  text: string;
  muted: string;
  grid: string;
  border: string;
  surface: string;
  tooltip: string;
  font: string;
  series: string[];
}

function readTheme(): ChartTheme {
  const style = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    text: v('--text-2', '#4b5262'),
    muted: v('--text-3', '#868c98'),
    grid: v('--chart-grid', 'rgba(17, 24, 39, 0.07)'),
    border: v('--border', '#e6e8ec'),
    surface: v('--surface', '#ffffff'),
    tooltip: v('--surface-raised', '#ffffff'),
    font: v('--font-sans', 'system-ui, sans-serif'),
    series: Array.from({ length: SERIES_COLORS }, (_, i) => v(`--chart-${i + 1}`, '#2f6fed')),
  };
}

/**
 * The theme's chart colours, re-read whenever `<html data-theme>` changes,
 * so a chart follows a theme switch without knowing where it came from.
 */
export function useChartTheme(): ComputedRef<ChartTheme> {
  const version = ref(0);
  const observer = new MutationObserver(() => version.value++);
  onMounted(() => observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] }));
  onUnmounted(() => observer.disconnect());
  return computed(() => {
    void version.value;
    return readTheme();
  });
}

/** A colour with an alpha, for fills under a line: `#rrggbb` becomes `rgba(…)`; anything else is returned as it is. */
export function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{6})$/i.exec(color);
  if (!hex) return color;
  const n = Number.parseInt(hex[1]!, 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}
