/**
 * Worker threads for the WebAssembly kernels. Each worker instantiates the same module on the same
 * shared memory. An op hands out independent groups of kernel calls: the main thread writes them
 * into the control block at address 0, wakes the workers, and every thread (the main one too)
 * claims groups from an atomic counter until none are left, so a thread the OS preempts simply
 * claims fewer. The op returns when the count of completed groups reaches the total. Threads meet
 * only through `Atomics` on the shared memory (no messages per op), and a worker that is slow to
 * start, or never starts, costs nothing: the main thread claims its groups. A waiting thread (a
 * worker between ops, the main thread for the last groups) spins for up to SPIN_MS before it
 * blocks, as OpenMP's and XNNPACK's thread pools do: an op that follows within that time starts
 * without a wake-up through the OS, which costs most on a virtual machine whose idle vCPUs halt.
 *
 * The worker's code is the short script below, so workers start the same way whether this package
 * runs from `src` (under vitest) or from `dist`; the host starts them (`#platform`: Node's
 * worker_threads, or Web Workers in a cross-origin isolated page, where a page that is not gets one
 * thread). Thread count: `TAPEGRAD_CPU_THREADS` if set (1 turns workers off), else the machine's
 * available parallelism. Workers start on the first op large
 * enough to split and never keep the process alive.
 */
import { platform } from '#platform';
import { kernelNames } from './kernel_module.js';
import type { KernelCall } from './kernel_table.js';
import { CONTROL_BYTES, MAX_WORKERS, memory, runCall, wasmModule } from './runtime.js';

// Int32 slots of the control block: job sequence number, next unclaimed group, number of groups,
// completed groups, error flag, then the group table (COUNT + 1 offsets into the call stream) and
// the calls as (kernel index in `kernelNames`, argument count, arguments...). NEXT holds the job's
// tag (its sequence number, 15 bits) above the group index (16 bits) and is claimed by
// compare-and-swap, so a thread still looking at a finished job can never claim a group of the next one.
const SEQ = 0;
const NEXT = 1;
const COUNT = 2;
const COMPLETED = 3;
const STATUS = 4;
const TABLE = 8;
const CONTROL_INTS = CONTROL_BYTES / 4;

const INDEX_BITS = 16;
const INDEX_MASK = (1 << INDEX_BITS) - 1;

/**
 * The control slots and the tag's bit split that `tagOf` and `claimGroups` read. They take them
 * as an argument, and name nothing outside themselves, because the workers get their source text:
 * a bundler that minifies this file renames module constants, which the text would then name in
 * vain.
 */
interface ControlSlots {
  readonly next: number;
  readonly count: number;
  readonly completed: number;
  readonly indexBits: number;
  readonly indexMask: number;
}
const CONTROL_SLOTS: ControlSlots = { next: NEXT, count: COUNT, completed: COMPLETED, indexBits: INDEX_BITS, indexMask: INDEX_MASK };

const tagOf = (sequence: number, slots: ControlSlots): number => (sequence & 0x7fff) << slots.indexBits;

/**
 * Claims groups of the job tagged `tag` until none are left, running each with `run` and counting it
 * complete. Shared by the main thread and the workers (whose script gets its source text).
 */
function claimGroups(control: Int32Array, tag: number, run: (group: number) => void, slots: ControlSlots): void {
  for (;;) {
    const next = Atomics.load(control, slots.next);
    if ((next & ~slots.indexMask) !== tag || (next & slots.indexMask) >= control[slots.count]) return;
    if (Atomics.compareExchange(control, slots.next, next, next + 1) !== next) continue;
    run(next & slots.indexMask);
    if (Atomics.add(control, slots.completed, 1) + 1 === control[slots.count]) Atomics.notify(control, slots.completed);
  }
}

/**
 * How long a waiting thread spins before it blocks, in milliseconds. Measured on nin-small's
 * inference pass (2 vCPUs of an AMD EPYC under KVM, idle 70 ms between passes as a training loop's
 * data loading makes it): 0 ms 37-42 ms a pass, 0.05 ms 34-36, 0.5 ms 31-34, 2 ms 31-32; passes back
 * to back, 34-35 ms whatever the spin. Its training step at batch 128 took 88-98 ms either way; at
 * batch 1, whose one op split across the threads is followed by the spin, 3.4 ms against 3.0.
 */
const SPIN_MS = 0.5;

/**
 * Spins while `control[index]` holds `value`, for at most `ms` milliseconds (the clock read every
 * 256 loads). Shared by the main thread and the workers (whose script gets its source text).
 */
function spinWhile(control: Int32Array, index: number, value: number, ms: number): void {
  const end = performance.now() + ms;
  for (let i = 1; Atomics.load(control, index) === value; i++) {
    if ((i & 255) === 0 && performance.now() > end) return;
  }
}

// The worker's script; the platform defines `memory`, `module` and `names` before it.
const workerSource = `
const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
const fns = names.map((name) => exports[name]);
const ctrl = new Int32Array(memory.buffer, 0, ${CONTROL_INTS});
const slots = ${JSON.stringify(CONTROL_SLOTS)};
const tagOf = (${tagOf.toString()});
const claimGroups = (${claimGroups.toString()});
const spinWhile = (${spinWhile.toString()});
const run = (group) => {
  try {
    const calls = ${TABLE} + ctrl[${COUNT}] + 1;
    for (let at = calls + ctrl[${TABLE} + group], end = calls + ctrl[${TABLE} + group + 1]; at < end; at += 2 + ctrl[at + 1]) {
      fns[ctrl[at]](...ctrl.subarray(at + 2, at + 2 + ctrl[at + 1]));
    }
  } catch {
    Atomics.store(ctrl, ${STATUS}, 1);
  }
};
let seen = 0;
for (;;) {
  spinWhile(ctrl, ${SEQ}, seen, ${SPIN_MS});
  Atomics.wait(ctrl, ${SEQ}, seen);
  seen = Atomics.load(ctrl, ${SEQ});
  claimGroups(ctrl, tagOf(seen, slots), run, slots);
}
`;

function configuredThreads(): number {
  const text = platform.env('TAPEGRAD_CPU_THREADS');
  const requested = text === undefined || text === '' ? threading.available : Number(text);
  if (!Number.isInteger(requested) || requested < 1) throw new Error(`TAPEGRAD_CPU_THREADS must be a positive integer, got '${text}'`);
  return threading.workers ? Math.min(requested, MAX_WORKERS + 1) : 1;
}

const threading = platform.threading();
/** Threads that share the work of a large op: this one plus the workers. */
export const threadCount = configuredThreads();
/** Which threads run and why: `'2 threads: worker threads ...'`, or why only one. */
export const threadingNote = !threading.workers ? threading.reason : `${threadCount} thread${threadCount === 1 ? '' : 's'}: ${threading.reason}`;

const ctrl = new Int32Array(memory.buffer, 0, CONTROL_INTS);
let started = false;
let seq = 0;

function startWorkers(): void {
  for (let i = 0; i < threadCount - 1; i++) {
    platform.startWorker(workerSource, { memory, module: wasmModule, names: kernelNames });
  }
  started = true;
}

/** Writes the groups into the control block; false when they do not fit. */
function encode(groups: readonly (readonly KernelCall[])[]): boolean {
  const calls = TABLE + groups.length + 1;
  let at = calls;
  for (let g = 0; g < groups.length; g++) {
    ctrl[TABLE + g] = at - calls;
    for (const call of groups[g]) {
      if (at + 2 + call.args.length > CONTROL_INTS) return false;
      ctrl[at] = call.index;
      ctrl[at + 1] = call.args.length;
      for (let i = 0; i < call.args.length; i++) ctrl[at + 2 + i] = call.args[i];
      at += 2 + call.args.length;
    }
  }
  ctrl[TABLE + groups.length] = at - calls;
  return true;
}

/**
 * Runs independent groups of calls (each group in order) on all threads; returns when every group
 * is done. A single group, or groups too many to encode, run on this thread alone.
 */
export function runParallel(groups: readonly (readonly KernelCall[])[]): void {
  if (groups.length <= 1 || threadCount === 1 || groups.length > INDEX_MASK) {
    for (const group of groups) for (const call of group) runCall(call);
    return;
  }
  if (!started) startWorkers();
  const tag = tagOf(++seq, CONTROL_SLOTS);
  // No thread can claim while NEXT carries the new tag with an exhausted index; then publish.
  Atomics.store(ctrl, NEXT, tag | INDEX_MASK);
  if (!encode(groups)) {
    for (const group of groups) for (const call of group) runCall(call);
    return;
  }
  Atomics.store(ctrl, COUNT, groups.length);
  Atomics.store(ctrl, COMPLETED, 0);
  Atomics.store(ctrl, STATUS, 0);
  Atomics.store(ctrl, NEXT, tag);
  Atomics.store(ctrl, SEQ, seq);
  Atomics.notify(ctrl, SEQ);
  let failure: unknown = null;
  claimGroups(ctrl, tag, (group) => {
    try {
      for (const call of groups[group]) runCall(call);
    } catch (error) {
      failure ??= error;
    }
  }, CONTROL_SLOTS);
  for (let done = Atomics.load(ctrl, COMPLETED); done < groups.length; done = Atomics.load(ctrl, COMPLETED)) {
    spinWhile(ctrl, COMPLETED, done, SPIN_MS);
    if (Atomics.load(ctrl, COMPLETED) === done) platform.waitWhile(ctrl, COMPLETED, done);
  }
  if (failure !== null) throw failure;
  if (Atomics.load(ctrl, STATUS) !== 0) throw new Error('cpu backend: a kernel failed on a worker thread');
}
