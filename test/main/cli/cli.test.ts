import http from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runCli, startCli } from '../../helpers/project';
import { tmpDir } from '../../helpers/tmp';

describe('mnist-studio doctor', () => {
  it('prints valid JSON with the native backend, versions and the studio home', async () => {
    const home = tmpDir();
    const res = await runCli(['doctor', '--json'], { env: { MNIST_STUDIO_HOME: home } });
    expect(res.code, res.stderr).toBe(0);
    const report = JSON.parse(res.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({
      backend: 'tensorflow',
      ok: true,
      home,
      tfjs: { node: '4.22.0' },
      libtensorflow: { version: expect.stringMatching(/^2\.\d+\.\d+/) },
      cpu: { threads: expect.any(Number) },
      electron: { version: expect.any(String), binary: expect.stringMatching(/^(present|missing)$/) },
    });
    expect(res.stderr).toBe('');
  });

  it('prints a readable report ending in a one-line verdict', async () => {
    const res = await runCli(['doctor', '--home', tmpDir()]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^libtensorflow\s+2\.\d+\.\d+ from /m);
    expect(res.stdout.trim().split('\n').at(-1)).toMatch(/^verdict: ready: native TensorFlow 2\.\d+\.\d+ on \d+ CPU threads$/);
  });
});

describe('mnist-studio usage', () => {
  it('exits 2 with a one-line error for an unknown command or option', async () => {
    const res = await runCli(['frobnicate']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^error: unknown command 'frobnicate'/);
    const opt = await runCli(['doctor', '--nope']);
    expect(opt.code).toBe(2);
    expect(opt.stderr).toMatch(/^error: unknown option '--nope'/);
  });

  it('prints help and the version with exit 0', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('doctor');
    const version = await runCli(['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('mnist-studio desktop (npm start)', () => {
  it('explains, without a stack trace, that there is no display and how to use web mode', async () => {
    const res = await runCli(['desktop'], { env: { DISPLAY: '', WAYLAND_DISPLAY: '' } });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^error: No display: .*mnist-studio serve/);
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });

  it('explains, where the Electron binary cannot be had, what to do instead', async () => {
    // A display is claimed but no Electron binary exists at the override path.
    const res = await runCli(['desktop', '--check'], { env: { DISPLAY: ':99', ELECTRON_OVERRIDE_DIST_PATH: tmpDir() } });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^error: The Electron [\d.]+ binary is not installed .*mnist-studio serve/m);
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('mnist-studio serve', () => {
  it('serves until Ctrl-C, then closes cleanly with exit 0', async () => {
    const cli = startCli(['serve', '--port', '0', '--home', tmpDir()]);
    await cli.waitFor(/http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/);
    const url = /(http:\/\/127\.0\.0\.1:\d+\/)\?token=/.exec(cli.output().stdout)![1]!;
    expect((await fetch(url)).status).toBe(200);
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
    await expect(fetch(url)).rejects.toThrow();
  });

  it('refuses a --host beyond loopback without --expose, saying why and what to add', async () => {
    const res = await runCli(['serve', '--host', '0.0.0.0', '--port', '0', '--home', tmpDir()]);
    expect(res.code).toBe(2);
    expect(res.stderr).toBe(
      'error: --host 0.0.0.0 would serve the studio beyond this machine: anyone who reaches it with the URL could train, and read and change the data sets and models in the studio home. Add --expose if that is what you mean.\n',
    );
    expect(res.stdout).toBe('');
  });

  it('with --expose, serves on that address and first says what it exposes and to whom', async () => {
    const cli = startCli(['serve', '--host', '0.0.0.0', '--expose', '--port', '0', '--home', tmpDir()]);
    await cli.waitFor(/http:\/\/0\.0\.0\.0:\d+\/\?token=\S+/);
    const { stdout, stderr } = cli.output();
    expect(stderr).toContain('warning: --expose: the studio listens on 0.0.0.0, beyond this machine.');
    expect(stderr).toContain('has the URL below (it holds the access token) can use the studio as you');
    expect(stderr).toContain('train and stop runs, read, import, export and delete the data sets, runs and models in the studio home');
    expect(stderr).toContain('plain HTTP');
    const port = /:(\d+)\/\?token=/.exec(stdout)![1]!;
    const token = /\?token=(\S+)/.exec(stdout)![1]!;
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
    // 0.0.0.0 is no address a browser can open: the machine's own addresses are listed, each serving the studio.
    const lan = Object.values(os.networkInterfaces())
      .flatMap((l) => l ?? [])
      .filter((a) => !a.internal && a.family === 'IPv4');
    for (const a of lan) {
      expect(stdout).toContain(`  http://${a.address}:${port}/?token=${token}\n`);
      expect((await fetch(`http://${a.address}:${port}/`)).status).toBe(200);
    }
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
  });

  it('says the port is busy, without a stack trace, and exits 1', async () => {
    const taken = http.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const res = await runCli(['serve', '--port', String(port), '--home', tmpDir()]);
      expect(res.code).toBe(1);
      expect(res.stderr).toBe(
        `error: port ${port} on 127.0.0.1 is already in use (another mnist-studio serve?): stop that program, or pick another port with --port (--port 0 picks a free one)\n`,
      );
      expect(res.stdout).toBe('');
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
