/**
 * tapegrad's user-path NiN (`tapegrad_nn_nin.ts`) served over JSON lines (see `child_runner.ts`), so
 * that the bench can time it under other process-wide settings (e.g. `TAPEGRAD_CPU_FMA=0`,
 * `TAPEGRAD_CPU_THREADS=1`) alternating with the rest.
 */
import { CpuBackend } from '@tapegrad/backend-cpu';
import { setBackend } from '@tapegrad/core';
import { createInterface } from 'node:readline';
import { readRaw } from './data.js';
import type { NetworkSpec } from './networks.js';
import { TapegradNnNin } from './tapegrad_nn_nin.js';

const backend = await setBackend('cpu');
if (!(backend instanceof CpuBackend)) throw new Error('tapegrad child: the cpu backend is not a CpuBackend');
const nets = new Map<string, TapegradNnNin>();
const reply = (message: object): void => {
  process.stdout.write(`${JSON.stringify(message)}\n`);
};

for await (const line of createInterface({ input: process.stdin })) {
  try {
    const request = JSON.parse(line) as { cmd: string; name: string; spec?: NetworkSpec; path?: string };
    if (request.cmd === 'init' && request.spec && request.path) {
      nets.set(request.name, new TapegradNnNin(readRaw(request.spec, request.path)));
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
