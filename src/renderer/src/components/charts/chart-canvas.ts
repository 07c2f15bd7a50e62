import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Decimation,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartData,
  type ChartOptions,
  type ChartType,
  type DefaultDataPoint,
} from 'chart.js';
import { onMounted, onUnmounted, watch, type ComputedRef, type Ref, type WatchSource } from 'vue';
import { useChartTheme, type ChartTheme } from '../../composables/useChartTheme';

// What the studio's charts use of chart.js, registered once (tree-shaken: no other chart types ship).
Chart.register(LineController, LineElement, PointElement, BarController, BarElement, CategoryScale, LinearScale, Decimation, Legend, Tooltip);

/** Least time between two draws: about ten a second. */
const DRAW_INTERVAL_MS = 100;

/** A tick's or a title's font: the theme's, at a size. */
export const chartFont = (theme: ChartTheme, size = 11) => ({ family: theme.font, size });

/** An axis title in the theme's text colour. */
export const axisTitle = (theme: ChartTheme, text: string) => ({ display: true, text, color: theme.text, font: chartFont(theme, 12) });

/** A tooltip on the theme's raised surface, in its text colour and font. */
export const tooltipStyle = (theme: ChartTheme) => ({
  backgroundColor: theme.tooltip,
  titleColor: theme.text,
  bodyColor: theme.text,
  borderColor: theme.border,
  borderWidth: 1,
  titleFont: { family: theme.font },
  bodyFont: { family: theme.font },
});

/**
 * A chart.js chart on `canvas`, for a chart component: made on mount from
 * `build(theme)`, then drawn again whenever a `source` or the theme changes —
 * at most ten times a second whatever the rate of changes, without
 * animation — and destroyed on unmount.
 */
export function useChartCanvas<TType extends ChartType, TData = DefaultDataPoint<TType>>(options: {
  canvas: Ref<HTMLCanvasElement | null>;
  type: TType;
  build: (theme: ChartTheme) => { data: ChartData<TType, TData>; options: ChartOptions<TType> };
  sources: WatchSource[];
}): { theme: ComputedRef<ChartTheme>; toPng: () => Promise<Blob> } {
  const theme = useChartTheme();
  let chart: Chart<TType, TData> | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastDraw = -Infinity;

  function draw(): void {
    timer = undefined;
    lastDraw = performance.now();
    if (!chart) return;
    const next = options.build(theme.value);
    chart.data = next.data;
    chart.options = next.options;
    // The default mode, not 'none': in 'none' chart.js keeps the points' shared options (their colours) from before a theme switch.
    // Nothing animates either way (`animation: false`).
    chart.update();
  }

  /** Draws now if the last draw is old enough, else once when it is: changes in between are drawn together. */
  function schedule(): void {
    if (timer !== undefined) return;
    timer = setTimeout(draw, Math.max(0, lastDraw + DRAW_INTERVAL_MS - performance.now()));
  }

  onMounted(() => {
    const first = options.build(theme.value);
    chart = new Chart<TType, TData>(options.canvas.value!, { type: options.type, data: first.data, options: first.options });
    lastDraw = performance.now();
  });
  watch([...options.sources, theme], schedule);
  onUnmounted(() => {
    clearTimeout(timer);
    chart?.destroy();
    chart = null;
  });

  function toPng(): Promise<Blob> {
    const canvas = chart?.canvas;
    if (!canvas) return Promise.reject(new Error('the chart is not drawn'));
    const out = document.createElement('canvas');
    out.width = canvas.width;
    out.height = canvas.height;
    const ctx = out.getContext('2d');
    if (!ctx) return Promise.reject(new Error('no 2D canvas'));
    ctx.fillStyle = theme.value.surface;
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.drawImage(canvas, 0, 0);
    return new Promise((resolve, reject) => out.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the canvas gave no PNG'))), 'image/png'));
  }

  return { theme, toPng };
}
