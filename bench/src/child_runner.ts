/**
 * A framework in a long-lived child process, stepped over JSON lines so that its steps alternate
 * with the others' (PyTorch in `torch_nin.py`; tapegrad under other settings in `tapegrad_child.ts`).
 * Each stdin line is a request, each stdout line its reply:
 *   {"cmd": "init", "name", "spec", "path"}  -> {"version", "threads"}   (path: the network's raw data, see data.ts)
 *   {"cmd": "train", "name"}                 -> {"ms", "value": loss}
 *   {"cmd": "infer", "name"}                 -> {"ms", "value": logits}
 * Times are measured in the child, around the step only.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { writeRaw, type NetworkData } from './data.js';
import type { Runner, Timed } from './runner.js';

interface Reply {
  readonly ms?: number;
  readonly value?: number | number[];
  readonly version?: string;
  readonly threads?: number;
}

/** The child process; requests are answered in order. */
export class ChildProcessHost {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly waiting: ((line: string) => void)[] = [];
  private stderr = '';
  /** e.g. `1.13.0 (2 threads)`, once a network is loaded. */
  description: string | null = null;

  constructor(command: string, args: readonly string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(command, args, { env: { ...process.env, ...env } });
    this.child.stderr.on('data', (chunk: Buffer) => { this.stderr += chunk.toString(); });
    this.lines = createInterface({ input: this.child.stdout });
    this.lines.on('line', (line) => this.waiting.shift()?.(line));
    this.child.on('exit', (code) => {
      for (const resolve of this.waiting.splice(0)) resolve(JSON.stringify({ error: `${command} exited with ${code}: ${this.stderr.trim()}` }));
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

/** One network in a child process, reported under `name`. */
export class ChildNin implements Runner {
  private constructor(readonly name: string, private readonly child: ChildProcessHost, private readonly key: string) {}

  static async create(name: string, child: ChildProcessHost, data: NetworkData): Promise<ChildNin> {
    const path = join(tmpdir(), `tapegrad-bench-${process.pid}-${name}-${data.spec.name}.f32`);
    writeRaw(data, path);
    try {
      const reply = await child.request({ cmd: 'init', name: data.spec.name, spec: data.spec, path });
      child.description = `${reply.version ?? '?'} (${reply.threads ?? '?'} threads)`;
    } finally {
      rmSync(path, { force: true });
    }
    return new ChildNin(name, child, data.spec.name);
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
