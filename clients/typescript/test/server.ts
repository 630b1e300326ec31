/**
 * Starts the real couponsd binary for tests: a free loopback port, a fresh
 * data directory, stderr to a log file whose tail is shown on failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The couponsd binary: $COUPONSD_BIN, else the repo's debug build. */
export const COUPONSD_BIN = process.env.COUPONSD_BIN ?? path.resolve(here, '../../../../target/debug/couponsd');

export interface Server {
  addr: string;
  port: number;
  dataDir: string;
  logFile: string;
  proc: ChildProcess;
  /** SIGKILL, as a crash. */
  kill(): Promise<void>;
  /** SIGTERM and wait; removes the data directory. */
  stop(): Promise<void>;
  /** The last lines of the server's log, for failure messages. */
  logTail(lines?: number): string;
}

/** A TCP port free on loopback now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** A fresh temporary directory. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `couponsd-ts-${prefix}-`));
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Starts `couponsd serve` on a free port with `extraArgs`; resolves once it accepts connections. */
export async function startServer(extraArgs: string[] = [], opts: { port?: number; dataDir?: string; name?: string } = {}): Promise<Server> {
  const port = opts.port ?? (await freePort());
  const dataDir = opts.dataDir ?? tempDir(opts.name ?? 'data');
  const logFile = path.join(os.tmpdir(), `couponsd-ts-${path.basename(dataDir)}.log`);
  const log = fs.openSync(logFile, 'a');
  const proc = spawn(COUPONSD_BIN, ['serve', '--listen', `127.0.0.1:${port}`, '--data', dataDir, ...extraArgs], {
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  let exited = false;
  let spawnError = '';
  proc.once('error', (e) => {
    spawnError = e.message;
    exited = true;
  });
  const exitPromise = new Promise<void>((resolve) => {
    proc.once('exit', () => {
      exited = true;
      resolve();
    });
    proc.once('error', () => resolve());
  });
  const logTail = (lines = 30) => {
    try {
      return fs.readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  };
  const deadline = Date.now() + 20000;
  while (!(await canConnect(port))) {
    if (exited || Date.now() > deadline) {
      proc.kill('SIGKILL');
      const tail = logTail();
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.rmSync(logFile, { force: true });
      throw new Error(`couponsd did not start on port ${port} (${COUPONSD_BIN}) ${spawnError}; its log:\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    addr: `127.0.0.1:${port}`,
    port,
    dataDir,
    logFile,
    proc,
    logTail,
    async kill() {
      if (!exited) proc.kill('SIGKILL');
      await exitPromise;
    },
    async stop() {
      if (!exited) proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exitPromise;
      clearTimeout(timer);
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.rmSync(logFile, { force: true });
    },
  };
}

/** Runs `body`; on failure, adds the servers' log tails to the error. */
export async function withLogs<T>(servers: Server[], body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (e) {
    const logs = servers.map((s) => `--- log of ${s.addr} ---\n${s.logTail()}`).join('\n');
    if (e instanceof Error) e.message += `\n${logs}`;
    throw e;
  }
}
