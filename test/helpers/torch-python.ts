import { execFile } from 'node:child_process';
import { findPython } from './keras-python';

/** A Python with PyTorch (and numpy): MNIST_STUDIO_TORCH_PYTHON (CI's venv, `.ci/run`), else /tmp/venv-torch. */
export function torchPython(): string | null {
  return findPython('MNIST_STUDIO_TORCH_PYTHON', '/tmp/venv-torch/bin/python', 'PyTorch');
}

/**
 * Runs a Python script file as a user would (`python script.py ARGS`) on one
 * thread (PyTorch on two threads collapses when anything else runs on a
 * 2-core machine); resolves its stdout, rejects with its stderr.
 */
export function runScript(python: string, script: string, args: string[], timeoutMs = 300_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      python,
      [script, ...args],
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, OMP_NUM_THREADS: '1', CUDA_VISIBLE_DEVICES: '' } },
      (err, stdout, stderr) => (err ? reject(new Error(`${python} ${script} failed: ${err.message}\n${stderr.slice(-4000)}`)) : resolve(stdout)),
    );
  });
}

/** Runs Python `code` (`python -c`) with `args`, on one thread; resolves its stdout. */
export function runTorchCode(python: string, code: string, args: string[], timeoutMs = 180_000): Promise<string> {
  return runScript(python, '-c', [code, ...args], timeoutMs);
}
