import { describe, expect, it } from 'vitest';
import { StudioError } from '../../../src/shared/result';
import { exitReason, failureReason } from '../../../src/main/trainer/failure';
import { TrainingFailure } from '../../../src/main/trainer/failure';

describe('failure reasons', () => {
  it('passes our own errors through and names out-of-memory errors with advice', () => {
    expect(failureReason(new StudioError('INTEGRITY', 'x.gz: not a valid gzip file'))).toBe('x.gz: not a valid gzip file');
    expect(failureReason(new TrainingFailure('the loss became NaN at epoch 1, step 3: …'))).toBe('the loss became NaN at epoch 1, step 3: …');
    expect(failureReason(new Error('OOM when allocating tensor with shape[8192,28,28,512]\nmore'))).toBe(
      'out of memory: OOM when allocating tensor with shape[8192,28,28,512]; try a smaller batch size or a smaller network',
    );
    expect(failureReason(new RangeError('Array buffer allocation failed'))).toMatch(/^out of memory: /);
    // TensorFlow's own errors, as tfjs-node's binding words them: the Message line says what.
    expect(failureReason(new Error('Invalid TF_Status: 8\nMessage: OOM when allocating tensor with shape[8192,28,28,64]'))).toBe(
      'out of memory: OOM when allocating tensor with shape[8192,28,28,64]; try a smaller batch size or a smaller network',
    );
    expect(failureReason(new Error('Invalid TF_Status: 3\nMessage: Matrix size-incompatible'))).toBe('the trainer failed: Matrix size-incompatible');
    expect(failureReason('weird')).toBe('the trainer failed: weird');
  });

  it('explains a trainer that died: the signal or code, out of memory, or its last stderr line', () => {
    expect(exitReason({ code: null, signal: 'SIGKILL' }, '')).toBe('the trainer process was killed (SIGKILL) before the run finished');
    expect(exitReason({ code: 134, signal: null }, '<--- Last few GCs --->\nFATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n')).toBe(
      'out of memory: the trainer process exited with code 134; try a smaller batch size or a smaller network',
    );
    expect(exitReason({ code: null, signal: 'SIGSEGV' }, 'W tensorflow/core/x.cc:1] something\nSegmentation fault\n')).toBe(
      'the trainer process was killed (SIGSEGV) before the run finished (Segmentation fault)',
    );
    // TensorFlow's informational lines after the error are not the reason.
    const info =
      'WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\nI0000 00:00:1796529627.520348    5931 port.cc:153] oneDNN custom operations are on. You may see slightly different numerical results.\n';
    expect(exitReason({ code: 1, signal: null }, `Error: cannot open dataset\n${info}`)).toBe(
      'the trainer process exited with code 1 before the run finished (Error: cannot open dataset)',
    );
    expect(exitReason({ code: 1, signal: null }, info)).toBe('the trainer process exited with code 1 before the run finished');
  });
});
