import { computed, onMounted, onUnmounted, ref, type ComputedRef } from 'vue';

/** How many series colours the theme defines (`--series-1` … `--series-8`); more series reuse them in turn. */
export const SERIES_COLORS = 8;

/** The theme's colours and font as a canvas needs them: chart.js draws on a canvas, which cannot read CSS custom properties itself. */
export interface ChartTheme {
  /** Axis titles, legend and tooltip text (`--text-2`). */
  text: string;
  /** Tick labels (`--text-3`). */
  muted: string;
  /** Grid lines (`--chart-grid`). */
  grid: string;
  /** Axis lines and the tooltip's edge (`--border`). */
  border: string;
  /** What a chart is drawn on: the background of an exported PNG (`--surface`). */
  surface: string;
  /** The tooltip's background (`--surface-raised`). */
  tooltip: string;
  font: string;
  /** `--series-1` … `--series-8`: one per series (a compared run, a metric). */
  series: string[];
  /** Any other custom property, e.g. `--accent`. */
  read(name: string): string;
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function readTheme(): ChartTheme {
  const v = (name: string, fallback: string) => cssVar(name) || fallback;
  return {
    text: v('--text-2', '#4b5262'),
    muted: v('--text-3', '#868c98'),
    grid: v('--chart-grid', 'rgba(17, 24, 39, 0.07)'),
    border: v('--border', '#e6e8ec'),
    surface: v('--surface', '#ffffff'),
    tooltip: v('--surface-raised', '#ffffff'),
    font: v('--font-sans', 'system-ui, sans-serif'),
    series: Array.from({ length: SERIES_COLORS }, (_, i) => cssVar(`--series-${i + 1}`)),
    read: cssVar,
  };
}

/**
 * The theme's chart colours, read again whenever `<html data-theme>` changes
 * (after the custom properties did), so a chart redraws in the new ones.
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
