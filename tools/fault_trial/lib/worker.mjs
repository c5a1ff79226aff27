/**
 * The in-process half of the trial: a child process that takes one trial at a time over IPC,
 * runs it against the built packages, and answers with what happened (a result digest, or the
 * error's name and message) and its peak resident memory so far. An uncaught error or an
 * unhandled rejection is answered as a crash of the trial in flight, and the process exits.
 */
import '@tapegrad/backend-cpu';
import { loadSafetensors } from '@tapegrad/nn';
import { loadFashionMnistBytes, loadRun, main, memoryIo, readIdxFile, readImages } from '@tapegrad/nin';
import { byteDigest } from './bytes.mjs';
import { floatDigest } from './safetensors_faults.mjs';


function describeError(error) {
  if (error instanceof Error) return { name: error.name, constructor: error.constructor?.name ?? 'Error', message: error.message, stack: error.stack ?? '' };
  return { name: typeof error, constructor: typeof error, message: String(error), stack: '' };
}

/** `[name, {shape, digest}]` pairs of tensors (pairs, not an object: a tensor may be named `__proto__`). */
function tensorDigests(entries) {
  return [...entries].map(([name, tensor]) => [name, { shape: [...tensor.shape], digest: floatDigest(tensor.dataSync()) }]);
}

const TRIALS = {
  async 'st.load'({ path }) {
    const loaded = await loadSafetensors(path);
    const tensors = tensorDigests(loaded.stateDict);
    for (const t of loaded.stateDict.values()) t.dispose();
    return { tensors, metadata: Object.entries(loaded.metadata) };
  },
  async 'st.loadRun'({ path }) {
    const { model, optimizer, run } = await loadRun(path);
    const tensors = tensorDigests(model.stateDict());
    for (const [key, t] of optimizer.stateDict().state) tensors.push([`optimizer.${key}`, { shape: [...t.shape], digest: floatDigest(t.dataSync()) }]);
    return { tensors, epoch: run.epoch, variant: run.model.variant, widths: run.model.widths };
  },
  async 'cli.main'({ argv, env }) {
    const io = memoryIo(env);
    const code = await main(argv, io);
    return { code, stdout: io.stdout.slice(0, 50), stderr: io.stderr.slice(0, 50) };
  },
  async 'png.read'({ path }) {
    const images = await readImages(path);
    return { images: images.map((im) => ({ width: im.width, height: im.height, digest: byteDigest(im.pixels) })) };
  },
  async 'idx.read'({ path, limit }) {
    const file = await readIdxFile(path, limit === null ? {} : { limit });
    return { kind: file.kind, count: file.count, total: file.total, rows: file.rows ?? null, cols: file.cols ?? null, digest: byteDigest(file.data) };
  },
  async 'idx.load'({ dir, split, limit }) {
    const data = await loadFashionMnistBytes({ dir, split, download: false, ...(limit === null ? {} : { limit }) });
    return { count: data.count, size: data.size, pixels: byteDigest(data.pixels), labels: byteDigest(new Uint8Array(data.labels.buffer, data.labels.byteOffset, data.labels.byteLength)) };
  },
};

let current = null;

function crash(what, error) {
  const { name, message, stack } = describeError(error);
  process.send?.({ id: current, crash: `${what}: ${name}: ${message} ${stack.split('\n').slice(1, 4).join(' | ')}` }, () => process.exit(70));
}

process.on('uncaughtException', (error) => crash('uncaught exception', error));
process.on('unhandledRejection', (error) => crash('unhandled rejection', error));

process.on('message', async (trial) => {
  current = trial.id;
  const started = performance.now();
  let answer;
  try {
    answer = { ok: true, value: await TRIALS[trial.kind](trial) };
  } catch (error) {
    answer = { ok: false, error: describeError(error) };
  }
  process.send({ id: trial.id, ...answer, ms: performance.now() - started, maxRssBytes: process.resourceUsage().maxRSS * 1024 });
});
