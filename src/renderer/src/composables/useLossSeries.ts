import { computed, ref, type Ref } from 'vue';
import { useI18n } from 'vue-i18n';
import { lossHistoryPoints } from '@shared/loss-history';
import type { RunRecord } from '@shared/training';
import { DEFAULT_SMOOTHING, smoothEma } from '../components/charts/smoothing';
import type { ChartPoint, ChartSeries } from '../components/charts/types';

/** The loss curves of one run: every batch (or the logged ones), the epoch means and validation, x in global steps. */
export interface LossPoints {
  batchLoss: ChartPoint[];
  epochLoss: ChartPoint[];
  validationLoss: ChartPoint[];
}

/** Batches per epoch of a recorded run: from its data set when it says, else the highest logged step. */
export function recordStepsPerEpoch(record: RunRecord): number {
  const hp = record.config.hyperparams;
  if (record.dataset) return Math.ceil(record.dataset.trainCount / hp.batchSize);
  return record.metrics.batches.length > 0 ? Math.max(...record.metrics.batches.map((b) => b.step)) : 0;
}

/** A run record's loss curves; every batch's loss when it kept them, the logged batches for a run recorded before it did. */
export function recordLossPoints(record: RunRecord): LossPoints {
  const steps = recordStepsPerEpoch(record);
  const { batches, epochs, losses } = record.metrics;
  return {
    batchLoss: losses ? lossHistoryPoints(losses) : batches.map((b) => ({ x: b.globalStep, y: b.loss })),
    epochLoss: epochs.map((e) => ({ x: e.epoch * steps, y: e.trainLoss })),
    validationLoss: epochs.flatMap((e) => (e.validationLoss === null ? [] : [{ x: e.epoch * steps, y: e.validationLoss }])),
  };
}

/**
 * The loss chart's series, as the Train screen and a run's page draw them: the smoothed line
 * (TensorBoard's weight, `smoothing`) over the epoch means over the raw batches, faint beneath.
 */
export function useLossSeries(points: () => LossPoints): { smoothing: Ref<number>; series: Readonly<Ref<ChartSeries[]>> } {
  const { t } = useI18n();
  const smoothing = ref(DEFAULT_SMOOTHING);
  const series = computed<ChartSeries[]>(() => {
    const { batchLoss, epochLoss, validationLoss } = points();
    // chart.js draws the first series on top.
    return [
      ...(smoothing.value > 0 ? [{ id: 'smoothed', label: t('chart.smoothed'), points: smoothEma(batchLoss, smoothing.value), color: 0 }] : []),
      { id: 'epoch', label: t('chart.epochMean'), points: epochLoss, color: 1, dots: true },
      ...(validationLoss.length > 0 ? [{ id: 'validation', label: t('chart.validationLoss'), points: validationLoss, color: 2, dashed: true, dots: true }] : []),
      { id: 'batch', label: t('chart.batchLoss'), points: batchLoss, color: 0, faint: smoothing.value > 0 },
    ];
  });
  return { smoothing, series };
}
