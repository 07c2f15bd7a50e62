import { computed, type ComputedRef } from 'vue';
import { useTheme } from './useTheme';

/** How many distinct series colours the theme defines (`--series-1` …). */
export const SERIES_COLORS = 8;

/** The theme's colours as a canvas needs them: chart.js draws on a canvas, which cannot read CSS custom properties itself. */
export interface ChartTheme {
  /** Tick and legend text. */
  text: string;
  grid: string;
  /** What a chart is drawn on: the background of an exported PNG. */
  surface: string;
  font: string;
  /** `--series-1` … `--series-8`: one per compared series. */
  series: string[];
  /** Any other custom property, e.g. `--accent`. */
  read(name: string): string;
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/** The theme's chart colours, read again whenever the theme changes, so charts are redrawn in the new ones. */
export function useChartTheme(): ComputedRef<ChartTheme> {
  const { theme } = useTheme();
  return computed(() => {
    // Read for the dependency: the custom properties change with it.
    void theme.value;
    return {
      text: cssVar('--text-3'),
      grid: cssVar('--border'),
      surface: cssVar('--surface'),
      font: cssVar('--font-sans'),
      series: Array.from({ length: SERIES_COLORS }, (_, i) => cssVar(`--series-${i + 1}`)),
      read: cssVar,
    };
  });
}
