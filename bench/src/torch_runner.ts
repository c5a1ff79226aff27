/**
 * PyTorch through a child process (`torch_nin.py`), when `python3` with torch is installed:
 * one long-lived child, stepped over JSON lines, so its steps alternate with the others.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { writeRaw, type NetworkData } from './data.js';
import type { Runner, Timed } from './runner.js';

const script = fileURLToPath(new URL('../torch_nin.py', import.meta.url));

/** The python interpreter to use, or null when none has torch. */
export function findTorchPython(): string | null {
  for (const python of [process.env.TAPEGRAD_BENCH_PYTHON, '/usr/bin/python3', 'python3']) {
    if (!python) continue;
    const probe = spawnSync(python, ['-c', 'import torch, numpy'], { stdio: 'ignore' });
    if (probe.status === 0) return python;
  }
  return null;
}

interface Reply {
  readonly ms?: number;
  readonly value?: number | number[];
  readonly version?: string;
  readonly threads?: number;
}

/** The child process; requests are answered in order. */
export class TorchProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly waiting: ((line: string) => void)[] = [];
  private stderr = '';
  /** e.g. `1.13.0 (2 threads)`, once a network is loaded. */
  description: string | null = null;

  constructor(python: string, readonly threads: number) {
    this.child = spawn(python, [script, String(threads)], { env: { ...process.env, OMP_NUM_THREADS: String(threads) } });
    this.child.stderr.on('data', (chunk: Buffer) => { this.stderr += chunk.toString(); });
    this.lines = createInterface({ input: this.child.stdout });
    this.lines.on('line', (line) => this.waiting.shift()?.(line));
    this.child.on('exit', (code) => {
      for (const resolve of this.waiting.splice(0)) resolve(JSON.stringify({ error: `python exited with ${code}: ${this.stderr.trim()}` }));
    });
  }

  request(message: object): Promise<Reply> {
    return new Promise((resolve, reject) => {
      this.waiting.push((line) => {
        const reply = JSON.parse(line) as Reply & { error?: string };
        if (reply.error) reject(new Error(reply.error));
        else resolve(reply);
      });
      this.child.stdin.write(`${JSON.stringify(message)}\n`);
    });
  }

  close(): void {
    this.child.stdin.end();
    this.lines.close();
  }
}

/** One network in the PyTorch child. */
export class TorchNin implements Runner {
  readonly name = 'pytorch';

  private constructor(private readonly child: TorchProcess, private readonly key: string) {}

  static async create(child: TorchProcess, data: NetworkData): Promise<TorchNin> {
    const path = join(tmpdir(), `tapegrad-bench-${process.pid}-${data.spec.name}.f32`);
    writeRaw(data, path);
    const reply = await child.request({ cmd: 'init', name: data.spec.name, spec: data.spec, path });
    rmSync(path);
    child.description = `${reply.version ?? '?'} (${reply.threads ?? '?'} threads)`;
    return new TorchNin(child, data.spec.name);
  }

  async train(): Promise<Timed<number>> {
    const reply = await this.child.request({ cmd: 'train', name: this.key });
    return { ms: reply.ms ?? NaN, value: typeof reply.value === 'number' ? reply.value : NaN };
  }

  async infer(): Promise<Timed<Float32Array>> {
    const reply = await this.child.request({ cmd: 'infer', name: this.key });
    return { ms: reply.ms ?? NaN, value: Float32Array.from(Array.isArray(reply.value) ? reply.value : []) };
  }

  async dispose(): Promise<void> {}
}
