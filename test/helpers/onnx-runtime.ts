import fs from 'node:fs';
import * as ort from 'onnxruntime-web';

/**
 * onnxruntime for the tests: its WebAssembly build, which runs in Node with no
 * install script (onnxruntime-node's fetches CUDA parts from NuGet and needed
 * an npm setting that npm 11 warns about on every call).
 */
ort.env.logLevel = 'error';
ort.env.wasm.numThreads = 1;

export { ort };

/** A session on an .onnx file (read here: the WebAssembly build takes bytes, not a path). */
export function openOnnx(file: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(fs.readFileSync(file));
}
