/**
 * One training run inside a trainer process: load the data into tensors,
 * build the model, train, evaluate on the test set, save the model. Every
 * outcome is an event; tensors never leave this process.
 */
import os from 'node:os';
import type { LayersModel, Tensor } from '@tensorflow/tfjs-node';
import { augmentIsOff } from '@shared/augment';
import type { LoadedDataset } from '@shared/datasets';
import type { ModelMetadata } from '@shared/models';
import { stepsPerEpoch, type MixAccuracies, type MixOutcome } from '@shared/mix';
import { INPUT_SHAPE } from '@shared/model-spec';
import type { DatasetInfo, RunEnvironment, TrainEvent } from '@shared/training';
import { datasetSource, loadDataset } from '../datasets/load';
import { saveModelFolder, uniqueModelName } from '../models/store';
import { runDir } from '../training/runs-store';
import type { ScoringModel } from './tasks';
import { libtensorflowVersion, type Tf } from '../native';
import { EpochCallbacks } from './callbacks';
import type { RunControl } from './control';
import { checkMixFits, joinSplits, prepareData, splitTensors } from './data';
import type { ReadAhead } from './read-ahead';
import { predictSplit } from './evaluate';
import { histogramRecorder } from './histograms';
import { cacheVersions, kernelCache, kernelVersions, selfTestCache } from './home-cache';
import { KernelChoices } from './native/kernel-choice';
import { trainLoop } from './loop';
import { buildEvaluation } from './metrics';
import { buildModel, inferenceForward, lossFunction } from './model';
import type { TrainerJob } from './protocol';
import { nextSeed, runStreams } from './random';
import { batchImages, type BatchImageSource } from './batch-images';
import type { TrainingPath } from './path';
import { nativeFault, openTrainingPath, type SelfTestProblem } from './training-path';
import type { WarmCache } from './warm';
import { mark } from '../trace';

/** The run's environment; the training path is chosen later, at trainer start. */
export function trainerEnvironment(
  tf: Tf,
  appVersion: string,
  run: Pick<RunEnvironment, 'intraOpThreadsFrom' | 'trainingPath' | 'trainingPathReason' | 'trainingPathCause'>,
): RunEnvironment {
  return {
    app: appVersion,
    node: process.versions.node,
    tfjsNode: tf.version['tfjs-node'] ?? null,
    tfjsCore: tf.version['tfjs-core'] ?? null,
    libtensorflow: libtensorflowVersion(tf),
    backend: tf.getBackend(),
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cpuThreads: os.availableParallelism(),
    intraOpThreads: process.env.TF_NUM_INTRAOP_THREADS ?? 'default',
    interOpThreads: process.env.TF_NUM_INTEROP_THREADS ?? 'default',
    platform: `${process.platform}-${process.arch}`,
    ...run,
  };
}

async function saveModel(tf: Tf, model: LayersModel, home: string, metadata: ModelMetadata): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      await saveModelFolder(home, metadata, artifacts);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
}

/** Loads the job's dataset: installed in the home, or a folder. */
export function loadJobDataset(job: TrainerJob): Promise<LoadedDataset> {
  return loadDataset(datasetSource(job.home, job.config.dataset));
}

/**
 * Runs the job to its end and returns the terminal event (`done`); throws
 * on failure, with a message the user can act on.
 */
export async function runJob(
  tf: Tf,
  job: TrainerJob,
  control: RunControl,
  emit: (event: TrainEvent) => void,
  /** Told the model being trained once it is built, and null once it is disposed: a drawing is scored with it between batches. */
  share: (live: ScoringModel | null) => void = () => {},
  /** A warm trainer's preparations (dataset, tensors, self-test verdicts), taken where they match the job. */
  warm?: WarmCache,
  /** A cold trainer's dataset and pixels, read in a worker while TensorFlow loaded (null: read it here). */
  ahead?: Promise<ReadAhead | null>,
): Promise<TrainEvent> {
  mark('trainer: TensorFlow loaded');
  const started = control.now();
  const pausedAtStart = control.pausedMs;
  const { config, runId } = job;
  const hp = config.hyperparams;
  const early = await ahead;
  const dataset = early?.dataset ?? (await (warm ? warm.load(job.home, config.dataset) : loadJobDataset(job)));
  mark('trainer: dataset read');
  const streams = runStreams(hp.seed);
  // Fine-tuning on your own digits: the set mixed into each batch, checked against the run's.
  const mixed = hp.mix ? await loadDataset({ home: job.home, id: hp.mix.dataset }) : null;
  if (mixed) checkMixFits(dataset, mixed);
  const prepared = warm?.takeTensors(job.home, config.dataset, hp.normalization) ?? null;
  if (prepared) mark('trainer: tensors from the warm cache');
  const ready =
    prepared ??
    (early ? { train: splitTensors(tf, dataset.train, hp.normalization, early.pixels.train), test: splitTensors(tf, dataset.test, hp.normalization, early.pixels.test) } : null);
  const data = prepareData(tf, dataset, hp, streams.split, ready, mixed ? { dataset: mixed, rand: streams.mix } : null);
  mark('trainer: tensors made');
  const model = buildModel(tf, config.model, streams.init);
  mark('trainer: model built');
  // Fine-tuning: the same network, its weights from the parent model (the init stream is still drawn, so seeds line up).
  // The training path starts from the layers model's weights, so they are copied in before it opens.
  if (config.fromModel) await (await import('./tasks')).copyWeightsFrom(tf, model, job.home, config.fromModel);
  /** The mix's two accuracies with the model's weights as they are (the path synced first). */
  const mixAccuracies = (test?: number): MixAccuracies => {
    const forward = inferenceForward(model);
    const loss = lossFunction(tf, hp.loss);
    const holdout = data.mix!.holdoutIndices;
    return {
      holdoutAccuracy: holdout.length > 0 ? predictSplit(tf, forward, loss, data.train, holdout).accuracy : null,
      testAccuracy: test ?? predictSplit(tf, forward, loss, data.test).accuracy,
    };
  };
  // The starting model's figures, so the run shows the trade-off (your hand up, the main test set not down).
  const mixBefore = data.mix && config.fromModel ? mixAccuracies() : null;
  let path: TrainingPath | null = null;
  const callbacks = new EpochCallbacks(hp);
  /** Restore-best: a copy of the best epoch's weights so far. */
  let best: Tensor[] | null = null;
  const dropBest = () => {
    for (const t of best ?? []) t.dispose();
    best = null;
  };
  // Augmentation: its own seed stream; the images of each training batch come from it (validation and test stay as they are).
  const augmentSeed = nextSeed(streams.augment);
  let images: BatchImageSource | null = null;
  // The Playground scores drawings with this model between two batches: the path syncs its weights in first.
  share({ model, normalization: hp.normalization, classNames: dataset.classNames, sync: () => path?.sync() });
  // Verdicts of earlier trainers in this home (same network, update rule, loss and versions): no self-test again.
  const verdicts = warm?.verdicts ?? new Map<string, SelfTestProblem | null>();
  const versions = cacheVersions(tf, job.appVersion);
  selfTestCache.load(job.home, versions, verdicts);
  const knownVerdicts = verdicts.size;
  // Kernel formulations earlier trainers measured for these shapes (same threads, kernels and CPU): not timed again.
  const kernels = new KernelChoices();
  const kernelKey = kernelVersions(tf, job.appVersion);
  kernelCache.load(job.home, kernelKey, kernels.known);
  try {
    const opened = openTrainingPath({
      tf,
      model,
      spec: config.model,
      hp,
      train: data.train,
      data,
      dropoutRand: streams.dropout,
      choice: hp.trainingPath ?? 'auto',
      fault: nativeFault(),
      verdicts,
      kernels,
    });
    path = opened.path;
    mark('trainer: training path open');
    if (verdicts.size > knownVerdicts) await selfTestCache.save(job.home, versions, verdicts).catch(() => {});
    // Augmented batches index the same rows as the tensors: the main set's, then the mixed-in set's.
    const trainImages = data.mix && mixed ? joinSplits(dataset.train, mixed.train).images : dataset.train.images;
    if (!augmentIsOff(hp.augment)) images = batchImages({ images: trainImages, augment: hp.augment!, seed: augmentSeed, normalization: hp.normalization });
    const loss = lossFunction(tf, hp.loss);
    const evalForward = inferenceForward(model);
    const info: DatasetInfo = {
      id: dataset.id,
      name: dataset.name,
      classNames: [...dataset.classNames],
      trainCount: data.trainIndices.length,
      validationCount: data.validationIndices.length,
      testCount: data.test.count,
      digests: dataset.digests,
    };
    const params = model.countParams();
    // Weights and gradients per epoch, for the run's detail view: the weights it starts from first.
    const trained = path;
    const histograms = histogramRecorder(tf, {
      model,
      forward: evalForward,
      loss,
      train: data.train,
      rows: data.trainIndices,
      runDir: runDir(job.home, runId),
      ...(trained.gradients ? { gradients: (rows: Int32Array) => trained.gradients!(rows) } : {}),
    });
    histograms.record(0);
    let epochsSeen = 0;
    emit({
      kind: 'started',
      runId,
      dataset: info,
      environment: trainerEnvironment(tf, job.appVersion, {
        intraOpThreadsFrom: job.intraOpThreadsFrom,
        trainingPath: path.name,
        trainingPathReason: opened.reason,
        trainingPathCause: opened.cause,
      }),
      epochs: hp.epochs,
      stepsPerEpoch: stepsPerEpoch(info.trainCount, hp.batchSize, data.mix?.rowsPerBatch ?? 0),
      params,
    });
    mark('trainer: started sent');
    const result = await trainLoop({
      tf,
      runId,
      data,
      path,
      hp,
      validate: () => {
        path!.sync();
        histograms.record(++epochsSeen);
        if (data.validationIndices.length === 0) return null;
        const v = predictSplit(tf, evalForward, loss, data.train, data.validationIndices);
        return { loss: v.loss, accuracy: v.accuracy };
      },
      shuffleRand: streams.shuffle,
      images: images ?? undefined,
      control,
      emit,
      callbacks,
      // Validation synced the path into the layers model: its weights are the epoch's. Copied, not shared.
      onBest: callbacks.keepsBest
        ? () => {
            dropBest();
            best = model.getWeights().map((w) => tf.tensor(w.dataSync(), w.shape, 'float32'));
          }
        : undefined,
    });

    // Done or stopped: the layers model gets the trained weights for evaluation and saving.
    mark('trainer: training done');
    if (kernels.measured.size > 0) await kernelCache.save(job.home, kernelKey, kernels.measuredChoices()).catch(() => {});
    path.sync();
    // Restore-best: the best epoch's weights replace the last's (a run stopped before its first epoch has none).
    const restored = best !== null;
    if (best) {
      model.setWeights(best);
      dropBest();
    }
    await histograms.flush();
    emit({ kind: 'activity', runId, activity: 'evaluating' });
    const test = predictSplit(tf, evalForward, loss, data.test);
    const evaluation = buildEvaluation(test.labels, test.predicted, test.loss, dataset.classNames);
    const mix: MixOutcome | null =
      data.mix && mixed
        ? {
            datasetId: mixed.id,
            name: mixed.name,
            digests: mixed.digests,
            trainCount: data.mix.trainIndices.length,
            holdoutCount: data.mix.holdoutIndices.length,
            holdoutRows: data.mix.holdoutRows,
            rowsPerBatch: data.mix.rowsPerBatch,
            after: mixAccuracies(evaluation.accuracy),
            before: mixBefore,
          }
        : null;
    const metadata: ModelMetadata = {
      formatVersion: 1,
      id: job.modelId,
      name: await uniqueModelName(job.home, `${config.model.name} · ${dataset.name}${config.fromModel ? ' · fine-tuned' : ''}`),
      createdAt: new Date().toISOString(),
      spec: config.model,
      inputShape: [...INPUT_SHAPE],
      normalization: hp.normalization,
      hyperparams: hp,
      dataset: info,
      params,
      testAccuracy: evaluation.accuracy,
      testLoss: evaluation.loss,
      runId,
      parentModelId: config.fromModel ?? null,
      importedFrom: null,
      stoppedEarly: result.stopped,
      app: job.appVersion,
      tfjs: tf.version['tfjs-node'] ?? null,
    };
    mark('trainer: evaluated');
    await saveModel(tf, model, job.home, metadata);
    mark('trainer: model saved');
    return {
      kind: 'done',
      runId,
      status: result.stopped ? 'stopped' : 'done',
      evaluation,
      modelId: job.modelId,
      durationMs: control.activeSince(started, pausedAtStart),
      samplesPerSec: result.activeMs > 0 ? (result.samples / result.activeMs) * 1000 : 0,
      callbacks: callbacks.active ? callbacks.outcome(restored) : null,
      mix,
    };
  } finally {
    dropBest();
    share(null);
    await images?.dispose();
    path?.dispose();
    model.dispose();
    data.dispose();
  }
}
