import { mount, type VueWrapper } from '@vue/test-utils';
import { Chart } from 'chart.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import BarChart from '../../src/renderer/src/components/charts/BarChart.vue';
import LineChart from '../../src/renderer/src/components/charts/LineChart.vue';
import type { ChartSeries } from '../../src/renderer/src/components/charts/types';
import { createStudioI18n } from '../../src/renderer/src/i18n';

/** The theme's custom properties as a stylesheet would set them (happy-dom loads no CSS). */
const LIGHT: Record<string, string> = { '--chart-grid': 'rgba(17, 24, 39, 0.07)', '--surface': '#ffffff', '--accent': '#2f6fed' };
for (let i = 1; i <= 8; i++) LIGHT[`--series-${i}`] = `#0000${String(i).padStart(2, '0')}`;

function setTheme(name: 'light' | 'dark', vars: Record<string, string>): void {
  for (const [key, value] of Object.entries(vars)) document.documentElement.style.setProperty(key, value);
  document.documentElement.dataset.theme = name;
}

let wrapper: VueWrapper | null = null;
/** Charts draw at most ten times a second. */
const drawn = () => new Promise((resolve) => setTimeout(resolve, 150));
const chartOf = (w: VueWrapper) => Chart.getChart(w.get('canvas').element)!;

beforeEach(() => setTheme('light', LIGHT));
afterEach(() => {
  wrapper?.unmount();
  wrapper = null;
  document.documentElement.removeAttribute('style');
  delete document.documentElement.dataset.theme;
});

const SERIES: ChartSeries[] = [
  {
    id: 'a',
    label: 'run a',
    points: [
      { x: 0.5, y: 2 },
      { x: 1, y: 1 },
    ],
    color: 2,
  },
  { id: 'b', label: 'run b', points: [{ x: 1, y: 0.8 }] },
  { id: 'b:validation', label: 'run b, validation', points: [{ x: 1, y: 0.7 }], color: 9, dashed: true, hideInLegend: true },
];

describe('LineChart', () => {
  it('draws each series in its palette colour from --series-N, with the grid from --chart-grid, and redraws in the new theme’s colours', async () => {
    wrapper = mount(LineChart, {
      props: { series: SERIES, label: 'Loss', description: 'Latest 0.8', xLabel: 'Epoch', yLabel: 'Loss', legend: 'bottom' },
      global: { plugins: [createStudioI18n('en')] },
      attachTo: document.body,
    });
    await drawn();
    const root = wrapper.get('[role="img"]');
    expect(root.attributes('aria-label')).toBe('Loss. Latest 0.8');
    expect(root.attributes('data-points')).toBe('4');
    expect(wrapper.get('canvas').attributes('aria-hidden')).toBe('true');

    const chart = chartOf(wrapper);
    // An explicit colour is a slot in the palette (wrapping past 8); without one, the series' position.
    expect(chart.data.datasets.map((d) => [d.label, d.borderColor, (d as { borderDash?: number[] }).borderDash])).toEqual([
      ['run a', '#000003', []],
      ['run b', '#000002', []],
      ['run b, validation', '#000002', [6, 4]],
    ]);
    expect((chart.options.scales!.x!.grid as { color: string }).color).toBe('rgba(17, 24, 39, 0.07)');
    // A line hidden from the legend is left out of it.
    const filter = chart.options.plugins!.legend!.labels!.filter!;
    expect([0, 1, 2].map((datasetIndex) => filter({ datasetIndex } as never, chart.data))).toEqual([true, true, false]);

    setTheme('dark', { '--series-3': '#ff0000', '--chart-grid': 'rgba(255, 255, 255, 0.07)' });
    await drawn();
    expect(chartOf(wrapper).data.datasets[0]!.borderColor).toBe('#ff0000');
    // The points too, not only the line (chart.js shares point options between draws).
    expect((chartOf(wrapper).getDatasetMeta(0).data[0]!.options as { backgroundColor: string }).backgroundColor).toBe('#ff0000');
    expect((chartOf(wrapper).options.scales!.x!.grid as { color: string }).color).toBe('rgba(255, 255, 255, 0.07)');
  });

  it('says what to do while it has no points, then draws the points it is given', async () => {
    wrapper = mount(LineChart, {
      props: { series: [{ id: 'a', label: 'a', points: [] }], label: 'Loss', xLabel: 'Step', yLabel: 'Loss', emptyText: 'Nothing yet' },
      global: { plugins: [createStudioI18n('en')] },
      attachTo: document.body,
    });
    expect(wrapper.get('.chart-empty').text()).toBe('Nothing yet');
    await wrapper.setProps({ series: [{ id: 'a', label: 'a', points: [{ x: 1, y: 2 }] }] });
    await drawn();
    expect(wrapper.find('.chart-empty').exists()).toBe(false);
    expect(wrapper.get('[role="img"]').attributes('data-points')).toBe('1');
  });

  it('gives its picture as a PNG', async () => {
    wrapper = mount(LineChart, {
      props: { series: SERIES, label: 'Loss', xLabel: 'Epoch', yLabel: 'Loss' },
      global: { plugins: [createStudioI18n('en')] },
      attachTo: document.body,
    });
    const png = await (wrapper.vm as unknown as { toPng(): Promise<Blob> }).toPng();
    expect(png.type).toBe('image/png');
  });
});

describe('BarChart', () => {
  it('draws its bars in the custom property it is given, named for assistive technology', () => {
    wrapper = mount(BarChart, {
      props: { labels: ['0', '1', '2'], values: [5, 7, 6], label: 'Training set: from 5 to 7 images per class', color: '--accent' },
      global: { plugins: [createStudioI18n('en')] },
      attachTo: document.body,
    });
    expect(wrapper.get('[role="img"]').attributes('aria-label')).toBe('Training set: from 5 to 7 images per class');
    const chart = chartOf(wrapper);
    expect(chart.data.labels).toEqual(['0', '1', '2']);
    expect(chart.data.datasets[0]!.data).toEqual([5, 7, 6]);
    expect(chart.data.datasets[0]!.backgroundColor).toBe('#2f6fed');
  });
});
