#!/usr/bin/env node
/**
 * The hardening trial: a bounded, seeded fault-injection run against the built packages, with a
 * table of counts per category (trials, accepted, clear errors, unclear errors, crashes, hangs,
 * blow-ups, silent wrong results). See README.md in this folder.
 *
 *   npx tsc -b && TAPEGRAD_DATA=DIR node tools/fault_trial/run.mjs [--seed N] [--scale X]
 *     [--only safetensors,png,idx,cli,kill,resume,memory] [--cap-mb 1536] [--memory-steps 300]
 *     [--out FILE] [--no-write]
 *   node tools/fault_trial/run.mjs --seed N --repro safetensors:123   (rebuild one trial's input)
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync, deflateSync } from 'node:zlib';
import { byteDigest } from './lib/bytes.mjs';
import { classifyCli, classifyThrown, renderTable, Tally } from './lib/classify.mjs';
import { randomCommandLine } from './lib/cli_faults.mjs';
import { IDX_CAP, mutateIdx, oracleIdx, smallTestSet } from './lib/idx_faults.mjs';
import { basePngs, mutatePng, pilOracle } from './lib/png_faults.mjs';
import { Rng } from './lib/random.mjs';
import { loadMismatch, mutateSafetensors, oracleSafetensors, runMismatch, syntheticFile, TARGETED_METADATA, withMetadata } from './lib/safetensors_faults.mjs';
import { runNode, WorkerPool } from './lib/supervisor.mjs';
import { killDuringSave, memoryOverSteps, resumeEqualsUninterrupted } from './lib/training_faults.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NIN = join(ROOT, 'packages/nin/bin/nin.js');
const CATEGORIES = ['safetensors', 'png', 'idx', 'cli', 'kill', 'resume', 'memory'];
const FILES = { trainImages: 'train-images-idx3-ubyte.gz', trainLabels: 'train-labels-idx1-ubyte.gz', testImages: 't10k-images-idx3-ubyte.gz', testLabels: 't10k-labels-idx1-ubyte.gz' };

// ---------------------------------------------------------------- options

function parseOptions(argv) {
  const o = { seed: 1, scale: 1, only: CATEGORIES, capMb: 1536, memorySteps: 300, out: null, write: true, repro: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) fail(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--seed') o.seed = integer(a, value());
    else if (a === '--scale') {
      o.scale = Number(value());
      if (!(o.scale > 0 && o.scale <= 10)) fail(`--scale must be a number in (0, 10], got ${argv[i]}`);
    } else if (a === '--only') {
      o.only = value().split(',');
      const unknown = o.only.find((c) => !CATEGORIES.includes(c));
      if (unknown) fail(`--only: unknown category '${unknown}' (expected some of ${CATEGORIES.join(', ')})`);
    } else if (a === '--cap-mb') o.capMb = integer(a, value());
    else if (a === '--out') o.out = value();
    else if (a === '--no-write') o.write = false;
    else if (a === '--repro') o.repro = value();
    else if (a === '--help' || a === '-h') {
      console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0].replace(/^#!.*\n\/\*\*/, '').replace(/^ \* ?/gm, ''));
      process.exit(0);
    } else fail(`unknown option '${a}' (see --help)`);
  }
  return o;
}

function integer(flag, text) {
  if (!/^\d+$/.test(text)) fail(`${flag} must be a non-negative integer, got '${text}'`);
  return Number(text);
}

function fail(message) {
  console.error(`fault_trial: ${message}`);
  process.exit(2);
}

const options = parseOptions(process.argv.slice(2));
const DATA_ROOT = process.env.TAPEGRAD_DATA;
if (!DATA_ROOT) fail('set TAPEGRAD_DATA to the folder holding fashion-mnist/ (the four IDX .gz files)');
const DATA = existsSync(join(DATA_ROOT, 'fashion-mnist', FILES.testImages)) ? join(DATA_ROOT, 'fashion-mnist') : DATA_ROOT;
if (!existsSync(join(DATA, FILES.testImages))) fail(`no ${FILES.testImages} in $TAPEGRAD_DATA or $TAPEGRAD_DATA/fashion-mnist`);
if (!existsSync(join(ROOT, 'packages/nin/dist/cli.js'))) fail("the packages are not built: run 'npx tsc -b' at the repository root first");

const CAP = options.capMb * 1024 * 1024;
const COUNTS = {
  safetensors: Math.round(2000 * options.scale),
  safetensorsCli: Math.round(100 * options.scale),
  png: Math.round(300 * options.scale),
  pngCli: Math.round(30 * options.scale),
  idx: Math.round(200 * options.scale),
  cli: Math.round(200 * options.scale),
  kills: Math.max(2, Math.round(20 * options.scale)),
  memorySteps: options.memorySteps,
};
/** Per-trial timeouts: an in-process call, a `nin` process. */
const API_TIMEOUT_MS = 30_000;
const CLI_TIMEOUT_MS = 120_000;

const TMP = mkdtempSync(join(tmpdir(), 'tapegrad-fault-trial-'));
const HOME = join(TMP, 'home');
mkdirSync(HOME);
/** `nin`'s environment: the data root, a home without a cache (no download is ever tried), no debug stacks. */
const ENV = { ...process.env, TAPEGRAD_DATA: DATA_ROOT, HOME, NIN_DEBUG: '' };
delete ENV.CI;

/** Text with the machine's data and temp paths replaced by names (the results are committed). */
function scrub(text) {
  return String(text).split(DATA).join('$TAPEGRAD_DATA/fashion-mnist').split(DATA_ROOT).join('$TAPEGRAD_DATA').split(TMP).join('$TMP').split(ROOT).join('');
}

function log(line) {
  console.error(scrub(line));
}

// ---------------------------------------------------------------- shared inputs

const memberMemo = new Map();
/** A gzip member of `n` zero bytes (memoised: the bombs repeat it). */
function zeroMember(n) {
  if (!memberMemo.has(n)) memberMemo.set(n, gzipSync(new Uint8Array(n), { level: 9 }));
  return memberMemo.get(n);
}

const deflateMemo = new Map();
/** zlib deflate, memoised for all-zero buffers (the IDAT bombs). */
function deflateZeros(bytes) {
  const zero = bytes.length > 1e5 && bytes.every((b) => b === 0);
  if (!zero) return deflateSync(bytes);
  if (!deflateMemo.has(bytes.length)) deflateMemo.set(bytes.length, deflateSync(bytes, { level: 9 }));
  return deflateMemo.get(bytes.length);
}

/** Trains the base checkpoints the trials mutate and name (deterministic: fixed seed and data). */
async function prepareBase() {
  const dir = join(TMP, 'base');
  mkdirSync(dir, { recursive: true });
  const checkpoint = join(dir, 'base.safetensors');
  const trained = await runNode([NIN, 'train', '--variant', 'small', '--limit-train', '64', '--limit-test', '16', '--epochs', '1', '--batch-size', '32', '--seed', '0', '--data', DATA, '--save', checkpoint], { env: ENV, cwd: dir, timeoutMs: 300_000, capBytes: CAP });
  if (trained.code !== 0) fail(`training the base checkpoint failed: ${trained.stderr}`);
  const synthetic = join(dir, 'synthetic.safetensors');
  writeFileSync(synthetic, syntheticFile());
  const png = join(dir, 'item.png');
  writeFileSync(png, basePngs()[0].bytes);
  // Uint8Array copies, never Buffers: a Buffer's slice() is a view, and the mutations slice() before writing
  const images = new Uint8Array(gunzipSync(readFileSync(join(DATA, FILES.testImages))));
  const labels = new Uint8Array(gunzipSync(readFileSync(join(DATA, FILES.testLabels))));
  const small = smallTestSet(images, labels, 100);
  const idx = join(dir, 'five-images-idx3-ubyte.gz');
  writeFileSync(idx, gzipSync(smallTestSet(images, labels, 5).images));
  const garbage = join(dir, 'garbage.bin');
  writeFileSync(garbage, new Rng(options.seed).bytes(5000));
  const emptyDir = join(dir, 'empty-dir');
  mkdirSync(emptyDir, { recursive: true });
  return { dir, checkpoint, synthetic, png, idx, garbage, emptyDir, ninBytes: new Uint8Array(readFileSync(checkpoint)), syntheticBytes: new Uint8Array(readFileSync(synthetic)), realImages: images, realLabels: labels, small };
}

// ---------------------------------------------------------------- outcome helpers

/** The outcome of an in-process API trial: crash/hang/blow-up from the supervisor, else by the error or by `check(value)` (a mismatch text or null). */
function apiOutcome(result, subject, check) {
  if (result.status !== 'done') return { outcome: result.status, why: result.detail ?? (result.rssBytes ? `RSS ${(result.rssBytes / 1e6).toFixed(0)} MB` : '') };
  const { reply } = result;
  if (!reply.ok) {
    const outcome = classifyThrown(reply.error, subject);
    return { outcome, why: `${reply.error.constructor}: ${reply.error.message.slice(0, 300)}`, refused: true, message: reply.error.message };
  }
  const mismatch = check(reply.value);
  return mismatch ? { outcome: 'silent', why: mismatch } : { outcome: 'accepted' };
}

function record(tally, result, repro) {
  tally.add(result.outcome, { repro, why: scrub(result.why ?? '') });
}

/** An in-process `main(argv)` run as a CLI outcome. */
function mainOutcome(result, argv, expect, subject) {
  if (result.status !== 'done') return { outcome: result.status, why: result.detail ?? '' };
  if (!result.reply.ok) return { outcome: 'crash', why: `main() threw: ${result.reply.error.message}` };
  const { code, stdout, stderr } = result.reply.value;
  return classifyCli({ code, signal: null, stdout: stdout.join('\n'), stderr: stderr.join('\n'), timedOut: false, pastCap: false }, argv, expect, subject);
}

/** A `nin` child process's outcome. */
function processOutcome(run, argv, expect, subject) {
  const c = classifyCli({ ...run, pastCap: run.pastCap || run.peakRssBytes > CAP }, argv, expect, subject);
  if (c.outcome === 'blowup') c.why = `peak RSS ${(run.peakRssBytes / 1e6).toFixed(0)} MB`;
  if (c.outcome === 'crash' && !c.why?.startsWith('signal')) c.why = `${c.why}: ${run.stderr.trim().split('\n').slice(-4).join(' | ').slice(0, 400)}`;
  return c;
}

function progress(category, i, n, started) {
  if ((i + 1) % Math.max(1, Math.round(n / 5)) === 0 || i + 1 === n) log(`  ${category}: ${i + 1}/${n} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

// ---------------------------------------------------------------- the trials' inputs, rebuilt by index

/** Trials 0 and 1 are the two base files unchanged; then every hostile metadata value once; then random mutations. */
function safetensorsInput(i, base) {
  const rng = Rng.forTrial(options.seed, 'safetensors', i);
  const fromNin = i < 2 ? i === 0 : rng.chance(0.75);
  const bytes0 = fromNin ? base.ninBytes : base.syntheticBytes;
  if (i < 2) return { bytes: bytes0, label: `control: the ${fromNin ? 'nin-small checkpoint' : 'synthetic file'} unchanged` };
  if (i < 2 + TARGETED_METADATA.length) {
    const m = withMetadata(base.ninBytes, ...TARGETED_METADATA[i - 2]);
    return { bytes: m.bytes, label: `nin-small checkpoint: ${m.label}` };
  }
  const m = mutateSafetensors(rng, bytes0);
  return { bytes: m.bytes, label: `${fromNin ? 'nin-small checkpoint' : 'synthetic file'}: ${m.label}` };
}

function pngInput(i, bases) {
  const rng = Rng.forTrial(options.seed, 'png', i);
  if (i < bases.length) return { bytes: bases[i].bytes, label: `control: ${bases[i].name} unchanged` };
  return mutatePng(rng, rng.pick(bases), deflateZeros);
}

function idxInput(i, base) {
  const rng = Rng.forTrial(options.seed, 'idx', i);
  const which = rng.pick(['images', 'labels']);
  const real = rng.chance(0.1);
  const images = real ? base.realImages : base.small.images;
  const labels = real ? base.realLabels : base.small.labels;
  const limit = rng.pick([null, null, 1, 8, 100, 5000]);
  const content = which === 'images' ? images : labels;
  const m = i < 2 ? { bytes: gzipSync(content), label: 'control: unchanged' } : mutateIdx(rng, content, zeroMember);
  return { which, real, limit, bytes: m.bytes, other: gzipSync(which === 'images' ? labels : images), label: `${real ? 'real t10k' : '100-image'} ${which}: ${m.label}; limit ${limit}` };
}

// ---------------------------------------------------------------- categories

async function safetensorsTrials(base, pool) {
  const rows = { load: new Tally('safetensors', '@tapegrad/nn loadSafetensors'), run: new Tally('safetensors', 'nin loadRun'), eval: new Tally('safetensors', 'nin eval --weights (in-process main)'), cli: new Tally('safetensors', 'nin eval --weights (process)') };
  const dir = join(TMP, 'safetensors');
  mkdirSync(dir);
  const n = COUNTS.safetensors;
  const every = Math.max(1, Math.floor(n / COUNTS.safetensorsCli));
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const { bytes, label } = safetensorsInput(i, base);
    const path = join(dir, `st-${i}.safetensors`);
    writeFileSync(path, bytes);
    const oracle = oracleSafetensors(bytes);
    const repro = `safetensors:${i} (${label.slice(0, 160)})`;
    const load = apiOutcome(await pool.run({ id: i, kind: 'st.load', path }, API_TIMEOUT_MS), path, (v) => loadMismatch(oracle, v));
    record(rows.load, load, repro);
    if (load.refused && oracle.valid === true && !Object.values(Object.fromEntries(oracle.tensors)).some((t) => t.digest === null)) rows.load.note({ repro, why: `refused a valid file: ${scrub(load.message)}` });
    record(rows.run, apiOutcome(await pool.run({ id: i, kind: 'st.loadRun', path }, API_TIMEOUT_MS), path, (v) => runMismatch(oracle, v)), repro);
    const argv = ['eval', '--weights', path, '--limit-test', '8', '--data', DATA];
    const expect = oracle.valid === false ? 'invalid' : 'maybe';
    record(rows.eval, mainOutcome(await pool.run({ id: i, kind: 'cli.main', argv, env: ENV }, API_TIMEOUT_MS), argv, expect, path), repro);
    if (i % every === 0 && rows.cli.trials < COUNTS.safetensorsCli) {
      const run = await runNode([NIN, ...argv], { env: ENV, cwd: dir, timeoutMs: CLI_TIMEOUT_MS, capBytes: CAP });
      record(rows.cli, processOutcome(run, argv, expect, path), `${repro}; nin ${argv.join(' ')}`);
    }
    rmSync(path, { force: true });
    progress('safetensors', i, n, started);
  }
  return Object.values(rows);
}

async function pngTrials(base, pool) {
  const rows = { read: new Tally('png', 'nin readImages (PIL as oracle)'), predict: new Tally('png', 'nin predict (in-process main)'), cli: new Tally('png', 'nin predict (process)') };
  const dir = join(TMP, 'png');
  mkdirSync(dir);
  const bases = basePngs();
  const n = COUNTS.png;
  const inputs = [];
  for (let i = 0; i < n; i++) {
    const { bytes, label } = pngInput(i, bases);
    const path = join(dir, `png-${i}.png`);
    writeFileSync(path, bytes);
    inputs.push({ path, label, depth16: bytes.length > 25 && bytes[24] === 16 });
  }
  const pil = pilOracle(inputs.map((x) => x.path), TMP);
  if (pil === null) log('  png: no Python with PIL and numpy (Debian: apt-get install python3-pil); pixels are not compared');
  const every = Math.max(1, Math.floor(n / COUNTS.pngCli));
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const { path, label, depth16 } = inputs[i];
    const repro = `png:${i} (${label})`;
    // PIL's own safety limits (text chunks past 1 MB decompressed, the pixel bomb check) are not the format's
    const pilLimit = pil?.[path] && !pil[path].ok && /Decompressed Data Too Large|DecompressionBomb/.test(pil[path].error);
    const said = pilLimit ? undefined : pil?.[path];
    const check = (v) => {
      if (!said) return null;
      if (!said.ok) return `accepted a file PIL refuses (${said.error})`;
      const got = v.images[0];
      if (got.width !== said.width || got.height !== said.height) return `${got.width}x${got.height}, PIL reads ${said.width}x${said.height}`;
      if (got.digest !== said.digest && !depth16) return 'grayscale pixels differ from PIL\'s';
      return null;
    };
    const read = apiOutcome(await pool.run({ id: i, kind: 'png.read', path }, API_TIMEOUT_MS), path, check);
    record(rows.read, read, repro);
    if (read.refused && said?.ok) rows.read.note({ repro, why: `refused a file PIL reads (${said.mode}): ${scrub(read.message)}` });
    const argv = ['predict', '--weights', base.checkpoint, '--json', path];
    const expect = said ? (said.ok ? 'maybe' : 'invalid') : 'maybe';
    record(rows.predict, mainOutcome(await pool.run({ id: i, kind: 'cli.main', argv, env: ENV }, API_TIMEOUT_MS), argv, expect, path), repro);
    if (i % every === 0 && rows.cli.trials < COUNTS.pngCli) {
      const run = await runNode([NIN, ...argv], { env: ENV, cwd: dir, timeoutMs: CLI_TIMEOUT_MS, capBytes: CAP });
      record(rows.cli, processOutcome(run, argv, expect, path), `${repro}; nin ${argv.join(' ')}`);
    }
    progress('png', i, n, started);
  }
  return Object.values(rows);
}

/** `{valid, count, pixels, labels}` that loadFashionMnistBytes must give for the two test files' oracles. */
function loadOracle(images, labels) {
  if (images.valid === false) return { valid: false, why: `images: ${images.why}` };
  if (labels.valid === false) return { valid: false, why: `labels: ${labels.why}` };
  if (images.kind !== 'images') return { valid: false, why: 'the images file holds labels' };
  if (labels.kind !== 'labels') return { valid: false, why: 'the labels file holds images' };
  if (images.rows !== images.cols) return { valid: false, why: 'images are not square' };
  if (images.total !== labels.total) return { valid: false, why: 'label count differs from image count' };
  const bad = labels.records.findIndex((l) => l > 9);
  if (bad >= 0) return { valid: false, why: `label ${labels.records[bad]} at ${bad}` };
  const valid = images.valid === 'either' || labels.valid === 'either' ? 'either' : true;
  const labels32 = Int32Array.from(labels.records);
  return { valid, count: images.count, size: images.rows, pixels: images.digest, labels: byteDigest(new Uint8Array(labels32.buffer)) };
}

async function idxTrials(base, pool) {
  const rows = { read: new Tally('idx.gz', 'nin readIdxFile (with limits)'), load: new Tally('idx.gz', 'nin loadFashionMnistBytes (with limits)') };
  const n = COUNTS.idx;
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const input = idxInput(i, base);
    const dir = join(TMP, 'idx', String(i), 'fashion-mnist');
    mkdirSync(dir, { recursive: true });
    for (const f of [FILES.trainImages, FILES.trainLabels]) symlinkSync(join(DATA, f), join(dir, f));
    const path = join(dir, input.which === 'images' ? FILES.testImages : FILES.testLabels);
    writeFileSync(path, input.bytes);
    writeFileSync(join(dir, input.which === 'images' ? FILES.testLabels : FILES.testImages), input.other);
    const repro = `idx:${i} (${input.label})`;
    const oracle = await oracleIdx(input.bytes, input.limit, IDX_CAP);
    const same = (v, o) => (['kind', 'count', 'total', 'rows', 'cols', 'digest'].find((k) => v[k] !== o[k]) ?? null);
    const read = apiOutcome(await pool.run({ id: i, kind: 'idx.read', path, limit: input.limit }, API_TIMEOUT_MS), path, (v) => {
      if (oracle.valid === false) return `accepted a file that must be refused: ${oracle.why}`;
      const field = same(v, oracle);
      return field ? `${field} is ${v[field]}, the file says ${oracle[field]}` : null;
    });
    record(rows.read, read, repro);
    if (read.refused && oracle.valid === true) rows.read.note({ repro, why: `refused a valid read: ${scrub(read.message)}` });
    const otherOracle = await oracleIdx(input.other, input.limit, IDX_CAP);
    const expected = loadOracle(input.which === 'images' ? oracle : otherOracle, input.which === 'images' ? otherOracle : oracle);
    const load = apiOutcome(await pool.run({ id: i, kind: 'idx.load', dir: join(TMP, 'idx', String(i)), split: 'test', limit: input.limit }, API_TIMEOUT_MS), path, (v) => {
      if (expected.valid === false) return `accepted data that must be refused: ${expected.why}`;
      const field = ['count', 'size', 'pixels', 'labels'].find((k) => v[k] !== expected[k]);
      return field ? `${field} differs from the files` : null;
    });
    // the loader names the file that is wrong, which is the mutated one or its partner
    if (load.outcome === 'unclear' && load.message && (load.message.includes(join(dir, FILES.testImages)) || load.message.includes(join(dir, FILES.testLabels)))) load.outcome = 'clear';
    record(rows.load, load, repro);
    if (load.refused && expected.valid === true) rows.load.note({ repro, why: `refused valid data: ${scrub(load.message)}` });
    rmSync(join(TMP, 'idx', String(i)), { recursive: true, force: true });
    progress('idx', i, n, started);
  }
  return Object.values(rows);
}

async function cliTrials(base) {
  const tally = new Tally('cli', 'random nin command lines (process)');
  const dir = join(TMP, 'cli');
  mkdirSync(dir);
  const resumableSource = join(base.dir, 'resumable.safetensors');
  copyFileSync(base.checkpoint, resumableSource);
  const ctx = {
    dir, data: DATA, checkpoint: base.checkpoint, resumable: join(dir, 'resumable.safetensors'), png: base.png, idx: base.idx,
    garbage: base.garbage, emptyDir: base.emptyDir, existing: join(dir, 'existing.safetensors'), modelOnly: base.synthetic,
  };
  const n = COUNTS.cli;
  const started = performance.now();
  const expects = { valid: 0, invalid: 0, maybe: 0 };
  for (let i = 0; i < n; i++) {
    const rng = Rng.forTrial(options.seed, 'cli', i);
    const { argv, expect, faults } = randomCommandLine(rng, ctx);
    expects[expect]++;
    copyFileSync(resumableSource, ctx.resumable);
    copyFileSync(base.checkpoint, ctx.existing);
    const run = await runNode([NIN, ...argv], { env: ENV, cwd: dir, timeoutMs: CLI_TIMEOUT_MS, capBytes: CAP });
    const c = processOutcome(run, argv, expect);
    const repro = `cli:${i}: nin ${argv.map((a) => (/^[\w./=,:+-]+$/.test(a) ? a : JSON.stringify(a))).join(' ')}  [expect ${expect}${faults.length ? `: ${faults.join('; ')}` : ''}]`;
    tally.add(c.outcome, { repro: scrub(repro), why: scrub(c.why ?? '') });
    if (c.note) tally.note({ repro: scrub(repro), why: scrub(`${c.note}: ${c.message ?? c.why}`) });
    progress('cli', i, n, started);
  }
  tally.note({ repro: '-', why: `command lines drawn: ${expects.valid} valid, ${expects.invalid} invalid, ${expects.maybe} either way` });
  return [tally];
}

async function killTrials(pool) {
  const tally = new Tally('kill -9', `nin train --save, SIGKILL (${COUNTS.kills}x)`);
  const clean = { immediate: new Tally('kill -9', 'a save right after the last kill removes the temporary files'), reaped: new Tally('kill -9', 'a save after the killed runs are reaped removes them') };
  const dir = join(TMP, 'kill');
  mkdirSync(dir);
  const { tempsBeforeCleanup, mostTemps, midWrites, midWriteKills, reapedIn } = await killDuringSave({ rng: Rng.forTrial(options.seed, 'kill', 0), kills: COUNTS.kills, nin: NIN, env: ENV, dir, data: DATA, pool, tally, cleanTally: clean, capBytes: CAP, log });
  tally.note({ repro: '-', why: `${midWrites} of the ${midWriteKills} write-timed kills landed while the run's temporary file existed; up to ${mostTemps} temporary files lay beside the checkpoint after a kill, ${tempsBeforeCleanup} after the last` });
  clean.immediate.note({ repro: '-', why: 'a killed process stays a zombie until its new parent (PID 1) reaps it, and kill(pid, 0) succeeds on a zombie, so a save in that window takes its temporary file for a live writer\'s and keeps it' });
  clean.reaped.note({ repro: '-', why: `the killed processes were reaped ${reapedIn} ms after the first of these two saves ended` });
  return [tally, clean.immediate, clean.reaped];
}

async function resumeTrials() {
  const tally = new Tally('resume', '2+2 epochs == 4 epochs (weights, optimizer, history)');
  const dir = join(TMP, 'resume');
  mkdirSync(dir);
  const configs = [
    { name: 'adam-cosine', planned: 4, args: ['--optimizer', 'adam', '--schedule', 'cosine', '--init', 'data', '--seed', '3'] },
    { name: 'sgd-constant', planned: 2, args: ['--optimizer', 'sgd', '--lr', '0.05', '--schedule', 'constant', '--init', 'model', '--seed', '7'] },
  ];
  for (const config of configs) {
    await resumeEqualsUninterrupted({ config, nin: NIN, env: ENV, dir, data: DATA, capBytes: CAP, tally });
    log(`  resume ${config.name}: ${tally.cases.length === 0 ? 'equal' : 'see cases'}`);
  }
  return [tally];
}

/**
 * RSS growth past this many MB per 100 steps (after the first third) counts as a leak. Over the
 * first ~1,000 steps RSS still rises by about 3 MB per 100 steps as V8 and the allocator warm up,
 * then stays flat (see README.md), so a 300-step window allows that much and a little more.
 */
const LEAK_MB_PER_100_STEPS = 5;

async function memoryTrials() {
  const tally = new Tally('memory', `nin-small, ${COUNTS.memorySteps} training steps (RSS slope)`);
  const dir = join(TMP, 'memory');
  mkdirSync(dir);
  const m = await memoryOverSteps({ steps: COUNTS.memorySteps, nin: NIN, env: ENV, dir, data: DATA, capBytes: CAP });
  const repro = `nin ${scrub(m.args.join(' '))}`;
  if (m.run.timedOut) tally.add('hang', { repro });
  else if (m.run.pastCap || m.peakMb * 1e6 > CAP) tally.add('blowup', { repro, why: `peak ${m.peakMb.toFixed(0)} MB` });
  else if (m.run.code !== 0) tally.add('crash', { repro, why: scrub(m.run.stderr.slice(-300)) });
  else if (m.slopeMbPer100Steps > LEAK_MB_PER_100_STEPS) tally.add('blowup', { repro, why: `RSS grows ${m.slopeMbPer100Steps.toFixed(2)} MB per 100 steps after step ${m.warmup} (limit ${LEAK_MB_PER_100_STEPS})` });
  else tally.add('accepted', {});
  tally.note({ repro, why: `${m.steps} steps (progress seen to step ${m.lastStepSeen}), ${m.samples} RSS samples past step ${m.warmup}: ${m.rssFirstMb.toFixed(0)} MB -> ${m.rssLastMb.toFixed(0)} MB, peak ${m.peakMb.toFixed(0)} MB; least-squares slope ${m.slopeMbPer100Steps.toFixed(2)} MB per 100 steps (limit ${LEAK_MB_PER_100_STEPS})` });
  return [tally];
}

// ---------------------------------------------------------------- reproduction of one trial

async function repro(spec) {
  const [category, index] = spec.split(':');
  const i = Number(index);
  if (!['safetensors', 'png', 'idx', 'cli'].includes(category) || !Number.isInteger(i)) fail("--repro takes safetensors:N, png:N, idx:N or cli:N");
  const base = await prepareBase();
  const out = resolve(`fault-trial-repro-${category}-${i}`);
  mkdirSync(out, { recursive: true });
  let what;
  if (category === 'safetensors') {
    const { bytes, label } = safetensorsInput(i, base);
    writeFileSync(join(out, 'trial.safetensors'), bytes);
    what = `${label}\n  node ${NIN} eval --weights ${join(out, 'trial.safetensors')} --limit-test 8\n  oracle: ${JSON.stringify(oracleSafetensors(bytes).why ?? 'valid')}`;
  } else if (category === 'png') {
    const { bytes, label } = pngInput(i, basePngs());
    writeFileSync(join(out, 'trial.png'), bytes);
    copyFileSync(base.checkpoint, join(out, 'weights.safetensors'));
    what = `${label}\n  node ${NIN} predict --weights ${join(out, 'weights.safetensors')} --json ${join(out, 'trial.png')}`;
  } else if (category === 'idx') {
    const input = idxInput(i, base);
    const dir = join(out, 'fashion-mnist');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, input.which === 'images' ? FILES.testImages : FILES.testLabels), input.bytes);
    writeFileSync(join(dir, input.which === 'images' ? FILES.testLabels : FILES.testImages), input.other);
    what = `${input.label}\n  files in ${dir} (add the two train files to use it as --data)\n  oracle: ${JSON.stringify(await oracleIdx(input.bytes, input.limit))}`;
  } else {
    const ctx = { dir: out, data: DATA, checkpoint: base.checkpoint, resumable: join(out, 'resumable.safetensors'), png: base.png, idx: base.idx, garbage: base.garbage, emptyDir: base.emptyDir, existing: join(out, 'existing.safetensors'), modelOnly: base.synthetic };
    copyFileSync(base.checkpoint, ctx.resumable);
    copyFileSync(base.checkpoint, ctx.existing);
    const { argv, expect, faults } = randomCommandLine(Rng.forTrial(options.seed, 'cli', i), ctx);
    what = `expect ${expect} ${faults.join('; ')}\n  node ${NIN} ${argv.map((a) => JSON.stringify(a)).join(' ')}`;
  }
  console.log(`trial ${spec} (seed ${options.seed}), input in ${out}:\n${what}`);
  console.log(`(base files, kept for the command above: ${base.dir})`);
}

// ---------------------------------------------------------------- report

function machine() {
  const model = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown';
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
    if (execFileSync('git', ['status', '--porcelain', '--untracked-files=no', 'packages'], { cwd: ROOT }).toString().trim()) commit += ' (packages/ with uncommitted changes)';
  } catch {
    // not a git checkout
  }
  return { model, cores: cpus().length, memGb: (totalmem() / 2 ** 30).toFixed(0), node: process.version, commit };
}

function report(tallies, timings, startedAt) {
  const m = machine();
  const lines = [
    `# Fault trial, ${startedAt.toISOString().slice(0, 10)}`,
    '',
    `Machine: ${m.model}, ${m.cores} cores (shared), ${m.memGb} GiB; Node ${m.node}; commit ${m.commit}.`,
    `Command: \`TAPEGRAD_DATA=... node tools/fault_trial/run.mjs --seed ${options.seed}${options.scale !== 1 ? ` --scale ${options.scale}` : ''}${options.memorySteps !== 300 ? ` --memory-steps ${options.memorySteps}` : ''}${options.only.length !== CATEGORIES.length ? ` --only ${options.only.join(',')}` : ''}\`.`,
    `Caps: peak RSS ${options.capMb} MiB per process (blow-up past it); ${API_TIMEOUT_MS / 1000} s per in-process call, ${CLI_TIMEOUT_MS / 1000} s per \`nin\` process (hang past it).`,
    `Time: ${Object.entries(timings).map(([k, s]) => `${k} ${s.toFixed(0)} s`).join(', ')}; total ${Object.values(timings).reduce((a, b) => a + b, 0).toFixed(0)} s.`,
    '',
    renderTable(tallies),
    '',
    'Outcomes (see README.md): accepted = valid input handled with the right result; clear = refused in one line naming the file, flag or option, no stack trace; unclear = refused without naming it; crash = stack trace, signal, exit code other than 0/1, uncaught or engine error; hang = past the timeout; blow-up = past the RSS cap; silent = accepted invalid input, or a result other than the oracle\'s.',
    '',
    '## Every outcome other than accepted and clear',
    '',
  ];
  const cases = tallies.flatMap((t) => t.cases.map((c) => ({ ...c, row: `${t.category} / ${t.path}` })));
  if (cases.length === 0) lines.push('None.');
  for (const c of cases) lines.push(`- **${c.outcome}** (${c.row}) ${scrub(c.repro)}${c.why ? ` -- ${scrub(c.why)}` : ''}`);
  lines.push('', '## Notes (not failures)', '');
  for (const t of tallies) {
    if (t.notes.length === 0) continue;
    lines.push(`- ${t.category} / ${t.path}: ${t.notes.length} note${t.notes.length > 1 ? 's' : ''}`);
    for (const n of t.notes.slice(0, 12)) lines.push(`  - ${scrub(n.repro)}: ${scrub(n.why)}`);
    if (t.notes.length > 12) lines.push(`  - ... ${t.notes.length - 12} more`);
  }
  lines.push('', `Rebuild one trial's input: \`node tools/fault_trial/run.mjs --seed ${options.seed} --repro CATEGORY:N\` (safetensors, png, idx, cli).`, '');
  return lines.join('\n');
}

// ---------------------------------------------------------------- main

async function run() {
  if (options.repro) return repro(options.repro);
  const startedAt = new Date();
  log(`fault trial: seed ${options.seed}, scale ${options.scale}, categories ${options.only.join(', ')}; temp ${TMP}`);
  const pool = new WorkerPool({ capBytes: CAP, env: ENV });
  const timings = {};
  const tallies = [];
  const harnessErrors = [];
  const timed = async (name, fn) => {
    const t0 = performance.now();
    log(`${name}...`);
    try {
      tallies.push(...(await fn()));
    } catch (error) {
      // a fault of the trial itself: reported, and the other categories still run
      harnessErrors.push(`${name}: ${error.stack}`);
      log(`  ${name} stopped by an error of the trial harness: ${error.stack}`);
    }
    timings[name] = (performance.now() - t0) / 1000;
  };
  let base;
  await timed('setup', async () => {
    base = await prepareBase();
    return [];
  });
  if (!base) fail('the setup failed (see above)');
  const want = (c) => options.only.includes(c);
  try {
    if (want('safetensors')) await timed('safetensors', () => safetensorsTrials(base, pool));
    if (want('png')) await timed('png', () => pngTrials(base, pool));
    if (want('idx')) await timed('idx', () => idxTrials(base, pool));
    if (want('cli')) await timed('cli', () => cliTrials(base));
    if (want('kill')) await timed('kill', () => killTrials(pool));
    if (want('resume')) await timed('resume', () => resumeTrials());
    if (want('memory')) await timed('memory', () => memoryTrials());
  } finally {
    pool.stop();
  }
  let text = report(tallies, timings, startedAt);
  if (harnessErrors.length > 0) text += `\n## Trial harness errors (categories cut short)\n\n${harnessErrors.map((e) => `- ${scrub(e.split('\n').slice(0, 3).join(' | '))}`).join('\n')}\n`;
  console.log(text);
  if (options.write) {
    const out = options.out ?? join(ROOT, 'tools/fault_trial/results', `${startedAt.toISOString().slice(0, 10)}.md`);
    mkdirSync(join(out, '..'), { recursive: true });
    writeFileSync(out, text);
    log(`results written to ${out}`);
  }
  rmSync(TMP, { recursive: true, force: true });
}

await run();
