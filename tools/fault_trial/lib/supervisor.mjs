/**
 * Running trials where a crash, a hang or a memory blow-up of the code under test cannot take
 * the trial down with it: in-process trials in a long-lived worker process (restarted after a
 * crash, hang or blow-up), and command lines as child processes under /usr/bin/time.
 */
import { spawn, fork } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const WORKER = fileURLToPath(new URL('./worker.mjs', import.meta.url));

/** Resident set size of process `pid` and its descendants, in bytes (0 once gone). */
export function treeRss(pid) {
  let total = 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    for (const child of children ? children.split(/\s+/) : []) total += treeRss(Number(child));
  } catch {
    // the process ended between the reads
  }
  return total;
}

/** Polls `pid`'s tree every 25 ms; calls `onPast(rss)` once when it passes `capBytes`. Returns a stop function that gives the peak seen. */
function watchRss(pid, capBytes, onPast) {
  let peak = 0;
  let fired = false;
  const timer = setInterval(() => {
    const rss = treeRss(pid);
    peak = Math.max(peak, rss);
    if (rss > capBytes && !fired) {
      fired = true;
      onPast(rss);
    }
  }, 25);
  return () => {
    clearInterval(timer);
    return peak;
  };
}

/**
 * A worker process that runs in-process trials one at a time (see worker.mjs), with a timeout
 * per trial and a cap on its resident memory. A trial ends as
 * `{status: 'done', reply}`, `{status: 'crash', detail}`, `{status: 'hang'}` or `{status: 'blowup', rssBytes}`;
 * after any but 'done' the worker is replaced by a fresh one.
 */
export class WorkerPool {
  constructor({ capBytes, env }) {
    this.capBytes = capBytes;
    this.env = env;
    this.child = null;
    this.stderr = '';
  }

  start() {
    this.stderr = '';
    this.child = fork(WORKER, [], { env: this.env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    this.child.stderr.on('data', (d) => {
      this.stderr = (this.stderr + d).slice(-4000);
    });
  }

  /** Runs one trial (`{kind, ...}`) with `timeoutMs`. */
  run(trial, timeoutMs) {
    if (!this.child) this.start();
    const child = this.child;
    this.stderr = '';
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result, restart) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        stopWatch();
        child.removeListener('message', onMessage);
        child.removeListener('exit', onExit);
        if (restart) {
          child.kill('SIGKILL');
          this.child = null;
        }
        resolve(result);
      };
      const onMessage = (message) => {
        if (message.crash) finish({ status: 'crash', detail: message.crash }, true);
        else if (message.maxRssBytes > this.capBytes) finish({ status: 'blowup', rssBytes: message.maxRssBytes, reply: message }, true);
        else finish({ status: 'done', reply: message }, false);
      };
      const onExit = (code, signal) => {
        this.child = null;
        // let the last stderr arrive
        setTimeout(() => finish({ status: 'crash', detail: `worker exited (code ${code}, signal ${signal}): ${this.stderr.trim().split('\n').slice(-6).join(' | ')}` }, false), 50);
      };
      const timer = setTimeout(() => finish({ status: 'hang' }, true), timeoutMs);
      const stopWatch = watchRss(child.pid, this.capBytes, (rss) => finish({ status: 'blowup', rssBytes: rss }, true));
      child.on('message', onMessage);
      child.on('exit', onExit);
      child.send(trial);
    });
  }

  stop() {
    this.child?.kill('SIGKILL');
    this.child = null;
  }
}

/** Reads GNU time's `-v` report: peak RSS (bytes), exit status and terminating signal. */
function readTimeReport(path) {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { peakRssBytes: 0, exitStatus: null, signal: null };
  }
  return {
    peakRssBytes: Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(text)?.[1] ?? 0) * 1024,
    exitStatus: /Exit status: (\d+)/.test(text) ? Number(/Exit status: (\d+)/.exec(text)[1]) : null,
    signal: /Command terminated by signal (\d+)/.test(text) ? Number(/Command terminated by signal (\d+)/.exec(text)[1]) : null,
  };
}

let timeReports = 0;

/**
 * Runs `node args...` under `/usr/bin/time -v` in its own process group, killing the group after
 * `timeoutMs` or when its memory passes `capBytes`. Resolves to
 * `{code, signal, stdout, stderr, peakRssBytes, wallMs, timedOut, pastCap, pid}`.
 * `onSpawn(child)` is called at once (e.g. to kill it from outside).
 */
export function runNode(args, { env, cwd, timeoutMs, capBytes, onSpawn }) {
  const report = join(tmpdir(), `fault-trial-time-${process.pid}-${timeReports++}.txt`);
  const started = performance.now();
  const child = spawn('/usr/bin/time', ['-v', '-o', report, process.execPath, ...args], { env, cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    if (stdout.length < 200_000) stdout += d;
  });
  child.stderr.on('data', (d) => {
    if (stderr.length < 200_000) stderr += d;
  });
  let timedOut = false;
  let pastCap = false;
  const killGroup = () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, timeoutMs);
  const stopWatch = watchRss(child.pid, capBytes, () => {
    pastCap = true;
    killGroup();
  });
  onSpawn?.(child);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const watchedPeak = stopWatch();
      const time = readTimeReport(report);
      rmSync(report, { force: true });
      resolve({
        code: time.exitStatus ?? code,
        signal: time.signal ?? (signal ? signal : null),
        stdout,
        stderr,
        peakRssBytes: Math.max(time.peakRssBytes, watchedPeak),
        wallMs: performance.now() - started,
        timedOut,
        pastCap,
        pid: child.pid,
      });
    });
  });
}
