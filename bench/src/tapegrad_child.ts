/**
 * tapegrad's NiN served over JSON lines (see `child_runner.ts`): the user's path
 * (`tapegrad_nn_nin.ts`), or with the argument `core` the hand-built one (`tapegrad_nin.ts`). A process
 * of its own holds no other framework's threads and garbage, and can run under other process-wide
 * settings (e.g. `TAPEGRAD_CPU_FMA=0`, `TAPEGRAD_CPU_THREADS=1`), alternating with the rest.
 */
import { CpuBackend } from '@tapegrad/backend-cpu';
import { setBackend } from '@tapegrad/core';
import { createInterface } from 'node:readline';
import { readRaw } from './data.js';
import type { NetworkSpec } from './networks.js';
import { TapegradNin } from './tapegrad_nin.js';
import { TapegradNnNin } from './tapegrad_nn_nin.js';

const build = process.argv[2] ?? 'nn';
if (build !== 'nn' && build !== 'core') throw new Error(`tapegrad child: the build must be nn or core, got '${build}'`);
const backend = await setBackend('cpu');
if (!(backend instanceof CpuBackend)) throw new Error('tapegrad child: the cpu backend is not a CpuBackend');
const nets = new Map<string, TapegradNnNin | TapegradNin>();
const reply = (message: object): void => {
  process.stdout.write(`${JSON.stringify(message)}\n`);
};

for await (const line of createInterface({ input: process.stdin })) {
  try {
    const request = JSON.parse(line) as { cmd: string; name: string; spec?: NetworkSpec; path?: string };
    if (request.cmd === 'init' && request.spec && request.path) {
      const data = readRaw(request.spec, request.path);
      nets.set(request.name, build === 'core' ? new TapegradNin(data) : new TapegradNnNin(data));
      reply({ version: `fma ${backend.fusedMultiplyAdd}`, threads: backend.threads });
      continue;
    }
    const net = nets.get(request.name);
    if (!net) throw new Error(`tapegrad child: no network '${request.name}'`);
    if (request.cmd === 'train') {
      const { ms, value } = await net.train();
      reply({ ms, value });
    } else if (request.cmd === 'infer') {
      const { ms, value } = await net.infer();
      reply({ ms, value: Array.from(value) });
    } else {
      throw new Error(`tapegrad child: unknown command '${request.cmd}'`);
    }
  } catch (error) {
    reply({ error: error instanceof Error ? error.message : String(error) });
  }
}
