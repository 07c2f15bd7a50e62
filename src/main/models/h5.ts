/**
 * h5wasm, loaded on first use: compiling its WebAssembly took ~0.25 s, which
 * every command of the CLI paid at start before (only Keras files need it).
 */
import type * as H5 from 'h5wasm/node';

let loading: Promise<typeof H5> | null = null;
let loaded: typeof H5 | null = null;

/** The module, ready to open files; HDF5 errors are thrown as JS errors (each caller names the file), not printed to stderr. */
export function loadH5(): Promise<typeof H5> {
  loading ??= import('h5wasm/node').then(async (module) => {
    const wasm = await module.ready;
    wasm.activate_throwing_error_handler();
    loaded = module;
    return module;
  });
  return loading;
}

/** The module once `loadH5` has resolved (for the checks made on an open file). */
export function h5(): typeof H5 {
  if (!loaded) throw new Error('h5wasm is used before loadH5 resolved');
  return loaded;
}
