import os from 'node:os';
import type { AppInfo } from '@shared/app-info';
import pkg from '../../package.json' with { type: 'json' };

export function appVersion(): string {
  return pkg.version;
}

export function buildAppInfo(shell: AppInfo['shell'], home: string): AppInfo {
  return {
    name: pkg.name,
    productName: pkg.productName,
    version: pkg.version,
    shell,
    versions: {
      node: process.versions.node,
      electron: process.versions.electron ?? null,
      chrome: process.versions.chrome ?? null,
      v8: process.versions.v8,
    },
    platform: process.platform,
    arch: process.arch,
    cpus: os.availableParallelism(),
    home,
  };
}
