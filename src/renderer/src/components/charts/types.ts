/** One point of a line: x ascending along a series (a step, an epoch). */
export interface ChartPoint {
  x: number;
  y: number;
}

/**
 * One line of a chart. `points` may be the same array growing between
 * draws (a live run): pass a new `revision` to the chart when it grew.
 */
export interface ChartSeries {
  /** Stable across draws (a run id, a metric name; a suffix for a run's second line). */
  id: string;
  /** Shown in the legend and the tooltip. */
  label: string;
  points: readonly ChartPoint[];
  /** Index into the theme's series colours (`--series-1` is 0): a compared run's slot; default: the series' position. */
  color?: number;
  /** A dashed line, for a second metric of the same series (validation beside training). */
  dashed?: boolean;
  /** A thin, see-through line under a bolder one of the same data (raw values under their smoothed curve). */
  faint?: boolean;
  /** Dots on every point whatever the series' length (a few per-epoch values over a per-step line). */
  dots?: boolean;
  /** Left out of the legend, when another line already names its series. */
  hideInLegend?: boolean;
}

/** What a chart can do for its owner (`ref` on the component). */
export interface ChartHandle {
  /** The chart as it is drawn now, as a PNG on the theme's surface colour (the canvas itself is transparent), legend included. */
  toPng(): Promise<Blob>;
}
