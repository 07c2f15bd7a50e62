/**
 * Entry of a trainer process (Electron utilityProcess in the app,
 * child_process.fork under plain Node). Filled in by the training engine.
 */
export {};
