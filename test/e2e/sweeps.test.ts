/**
 * The Sweeps screen in Chromium against a real engine: a sweep defined from
 * the Train screen's settings runs its trials in real trainer processes,
 * which fill the trials table and the parallel-coordinates chart live; the
 * best trial opens its run; the engine's event loop stays smooth while two
 * trials train at once; a value the option does not take is pointed at
 * before anything starts. Screenshots in both languages and themes.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectErrors, screenshotScreen } from '../helpers/browser';
import { expectSmoothLoop, measureEventLoop } from '../helpers/event-loop';
import { mnistFixtureDir } from '../helpers/mnist-fixture';
import { requireBuiltTrainer } from '../helpers/training';
import { startWebStudio, type WebStudio } from '../helpers/web-studio';

let web: WebStudio;

beforeAll(async () => {
  requireBuiltTrainer();
  web = await startWebStudio((studio) => studio.handlers['datasets:import']({ paths: [mnistFixtureDir()], name: 'digits' }, { shell: 'cli' }));
  await web.setSettings({ language: 'en', theme: 'light', lastHyperparams: { epochs: 1, limit: 1500, batchSize: 64, logEvery: 10, seed: 2 } });
}, 120_000);

afterAll(() => web?.close());

async function openSweeps(): Promise<{ page: Page; errors: string[] }> {
  const page = await web.browser.newPage();
  const errors = collectErrors(page);
  await page.goto(`${web.server.url}#/sweeps`);
  await page.getByTestId('sweep-form').waitFor();
  return { page, errors };
}

describe('the Sweeps screen', () => {
  it('points at a value an option does not take and starts nothing', async () => {
    const { page, errors } = await openSweeps();
    await page.getByTestId('sweep-vary-batchSize').fill('64, lots');
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/Batch size: “lots”/);
    expect(await page.getByTestId('sweep-start').isDisabled()).toBe(true);
    expect(await page.getByTestId('no-sweeps').isVisible()).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('runs a sweep from the Train settings: trials fill the table and the chart live, the best opens its run', { timeout: 300_000 }, async () => {
    const { page, errors } = await openSweeps();
    await expect.poll(() => page.getByTestId('sweep-base').textContent()).toMatch(/1 epochs · batch 64/);
    await page.getByTestId('sweep-vary-lr').fill('0.001, 0.003');
    await page.getByTestId('sweep-vary-batchSize').fill('');
    await page.getByTestId('sweep-vary-hiddenUnits').fill('16, 48');
    expect(await page.getByTestId('sweep-count').textContent()).toBe('4 trials');
    await page.getByTestId('sweep-parallel').fill('2');
    const rows = page.getByTestId('trials-table').locator('tbody tr');
    let mostRunning = 0;
    // Two trials train at once while the screen follows them: the engine's loop stays smooth meanwhile.
    const loop = await measureEventLoop('a sweep training 2 trials at once with the Sweeps screen open', async () => {
      await page.getByTestId('sweep-start').click();
      await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(4);
      await expect
        .poll(
          async () => {
            mostRunning = Math.max(mostRunning, await page.locator('[data-testid="trials-table"] tr[data-status="running"]').count());
            return page.locator('[data-testid="trials-table"] tr[data-status="done"]').count();
          },
          { timeout: 240_000, interval: 250 },
        )
        .toBe(4);
    });
    // Live: trials were seen running before all were done, two at once.
    expect(mostRunning).toBe(2);
    expectSmoothLoop(loop);
    // Every trial a line on the chart, drawn solid once it has its metric.
    const lines = page.getByTestId('sweep-coords').locator('polyline');
    expect(await lines.count()).toBe(4);
    await expect.poll(() => lines.evaluateAll((ls): number => ls.filter((l) => !l.getAttribute('stroke-dasharray')).length)).toBe(4);
    expect(await page.getByTestId('sweep-effect-lr').locator('circle').count()).toBe(4);
    expect(await page.getByTestId('sweeps-table').locator('tbody tr').first().textContent()).toMatch(/Done.*4 \/ 4/);

    // The best trial is the one with the highest accuracy in the table.
    const accuracies = await rows.evaluateAll((trs): number[] => trs.map((tr) => parseFloat(tr.children[tr.children.length - 2]!.textContent)));
    const bestRow = page.locator('[data-testid="trials-table"] tr.best-row');
    expect(parseFloat((await bestRow.locator('td').nth(-2).textContent())!)).toBe(Math.max(...accuracies));
    const runs = (await web.studio.handlers['runs:list']({}, { shell: 'cli' })).map((r) => r.id);
    expect(runs).toHaveLength(4);

    for (const [language, theme] of [
      ['en', 'light'],
      ['en', 'dark'],
      ['zh-CN', 'light'],
      ['zh-CN', 'dark'],
    ] as const) {
      await web.setSettings({ language, theme });
      await expect.poll(() => page.locator('html').getAttribute('lang')).toBe(language);
      await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe(theme);
      await screenshotScreen(page, `sweeps-${language}-${theme}`);
    }
    await web.setSettings({ language: 'en', theme: 'light' });
    await page.getByTestId('sweep-best').getByRole('link', { name: 'Open its run' }).click();
    await expect.poll(() => new URL(page.url()).hash).toMatch(new RegExp(`^#/runs/(${runs.join('|')})$`));
    expect(errors).toEqual([]);
    await page.close();
  });
});
