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
  /** Stable across draws (a run id, a metric name). */
  id: string;
  /** Shown in the legend and the tooltip. */
  label: string;
  points: readonly ChartPoint[];
  /** Index into the theme's series colours (`--series-1` is 0); default: the series' position. */
  color?: number;
  /** A dashed line, for a second metric of the same run (validation beside training). */
  dashed?: boolean;
  /** Dots on the points: for short series such as one point per epoch. */
  markers?: boolean;
}

/** What a chart can do for its owner (`ref` on the component). */
export interface ChartHandle {
  /** The chart as it is drawn now, as a PNG data URL on the theme's surface colour; null before it is drawn. */
  toPng(): string | null;
}
