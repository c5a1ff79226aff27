/**
 * The training trials: `nin train --save` killed with SIGKILL, a resumed run against an
 * uninterrupted one, and resident memory over a few hundred training steps.
 */
import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { oracleSafetensors, splitFile } from './safetensors_faults.mjs';
import { runNode, treeRss } from './supervisor.mjs';

/** The temporary files a save of `path` leaves while writing: `.<name>.<pid>.<hex>.tmp`. */
export function tempFiles(path) {
  const prefix = `.${basename(path)}.`;
  return readdirSync(dirname(path)).filter((f) => f.startsWith(prefix) && f.endsWith('.tmp'));
}

/** The pids of `pid`'s children (the node process under /usr/bin/time). */
function childPids(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

/** `R (running)`, `Z (zombie: killed, not reaped yet)`, ... of process `pid`, or `gone`. */
function processState(pid) {
  try {
    return /^\d+ \(.*\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1] === 'Z' ? 'a zombie, killed but not reaped' : 'running';
  } catch {
    return 'gone';
  }
}

/** Waits until none of `pids` exists (zombies included); resolves to the ms waited. */
async function waitUntilGone(pids, timeoutMs) {
  const started = Date.now();
  while (Date.now() - started < timeoutMs && pids.some((pid) => processState(pid) !== 'gone')) await new Promise((r) => setTimeout(r, 50));
  return Date.now() - started;
}

/** The `__metadata__` of a safetensors file on disk, or null when it is unreadable. */
function metadataOf(path) {
  try {
    const o = oracleSafetensors(readFileSync(path));
    return o.valid === true ? o.metadata : null;
  } catch {
    return null;
  }
}

/**
 * SIGKILLs `nin train --save` runs, one after another on the same file, and checks after each
 * kill that the checkpoint in place loads (through `loadRun` in the worker). Even kills and the
 * last land while a temporary file of the run exists (a write between open and rename), odd ones
 * at a seeded random time. Then one more run, at once, and another once every killed process is
 * reaped, must each finish, remove every temporary file and leave a checkpoint.
 */
export async function killDuringSave({ rng, kills, nin, env, dir, data, pool, tally, cleanTally, capBytes, log }) {
  const save = join(dir, 'killed.safetensors');
  let midWrites = 0;
  let midWriteKills = 0;
  const killedPids = [];
  let mostTemps = 0;
  const base = ['train', '--variant', 'small', '--epochs', '500', '--limit-train', '16', '--limit-test', '8', '--batch-size', '16', '--data', data, '--save', save];
  for (let k = 0; k < kills; k++) {
    const existed = existsSync(save);
    // even kills and the last one while the run writes its checkpoint, the others at a random time
    const midWrite = k % 2 === 0 || k === kills - 1;
    if (midWrite) midWriteKills++;
    const delay = rng.int(300, 3000);
    let landed = false;
    const seen = new Set();
    const args = [nin, ...base, ...(existed ? ['--overwrite'] : [])];
    const run = await runNode(args, {
      env, cwd: dir, timeoutMs: 60_000, capBytes,
      onSpawn: (child) => {
        const started = Date.now();
        const poll = setInterval(() => {
          // a temporary file of this run's node process (not one an earlier killed run left)
          const pids = childPids(child.pid);
          for (const pid of pids) seen.add(pid);
          const mine = existsSync(save) && tempFiles(save).some((f) => pids.some((pid) => f.includes(`.${pid}.`)));
          if ((midWrite && mine) || (!midWrite && Date.now() - started > delay) || Date.now() - started > 30_000) {
            clearInterval(poll);
            landed = midWrite ? mine : true;
            try {
              process.kill(-child.pid, 'SIGKILL');
            } catch {
              // gone
            }
          }
        }, 1);
      },
    });
    killedPids.push(...seen);
    const repro = `kill ${k + 1} (${midWrite ? 'during a checkpoint write' : `after ${delay} ms`}): node packages/nin/bin/nin.js ${base.slice(0, -4).join(' ')} --data "$TAPEGRAD_DATA/fashion-mnist" --save FILE${existed ? ' --overwrite' : ''}, then kill -9`;
    if (run.code !== null && run.code !== 0 && !run.signal && !run.timedOut) {
      tally.add('crash', { repro, why: `the run ended by itself with code ${run.code} before the kill: ${run.stderr.trim().slice(-300)}` });
      continue;
    }
    if (!existsSync(save)) {
      if (existed) tally.add('silent', { repro, why: 'the checkpoint that was in place is gone' });
      else tally.add('accepted', {});
      if (!existed) tally.note({ repro, why: 'killed before the first checkpoint was written (nothing to check)' });
      continue;
    }
    const loaded = await pool.run({ id: `kill-${k}`, kind: 'st.loadRun', path: save }, 30_000);
    const temps = tempFiles(save).length;
    mostTemps = Math.max(mostTemps, temps);
    if (midWrite && landed) midWrites++;
    if (loaded.status !== 'done') tally.add(loaded.status, { repro, why: `loading the checkpoint: ${loaded.detail ?? loaded.status}` });
    else if (!loaded.reply.ok) tally.add('silent', { repro, why: `the checkpoint in place does not load: ${loaded.reply.error.message}` });
    else tally.add('accepted', {});
    if (midWrite && !landed) tally.note({ repro, why: 'no checkpoint write seen within 30 s; killed anyway' });
    log(`  kill ${k + 1}/${kills}: ${midWrite ? (landed ? 'mid-write' : 'no write seen') : `after ${delay} ms`}, checkpoint epoch ${loaded.reply?.value?.epoch ?? '-'}, ${temps} temporary files left`);
  }
  const left = tempFiles(save).length;
  // Row 1: a save right after the last kill (the killed node process may not be reaped yet).
  // Row 2: a save once every killed process is gone.
  const finishRun = async (tally, repro) => {
    const finish = await runNode([nin, ...base.map((a) => (a === '500' ? '1' : a)), '--overwrite'], { env, cwd: dir, timeoutMs: 120_000, capBytes });
    const after = tempFiles(save);
    if (finish.timedOut) return tally.add('hang', { repro });
    if (finish.code !== 0) return tally.add('crash', { repro, why: finish.stderr.trim().slice(-300) });
    if (after.length > 0) {
      const states = after.map((f) => `${f} (its pid ${/\.(\d+)\.[0-9a-f]{12}\.tmp$/.exec(f)?.[1]}: ${processState(/\.(\d+)\.[0-9a-f]{12}\.tmp$/.exec(f)?.[1])})`);
      return tally.add('silent', { repro, why: `${after.length} temporary file(s) left after a finished save: ${states.join(', ')}` });
    }
    const meta = metadataOf(save);
    return tally.add(meta?.epoch === '1' ? 'accepted' : 'silent', { repro, why: `the finished checkpoint says epoch ${meta?.epoch}` });
  };
  await finishRun(cleanTally.immediate, 'kill -9 a save mid-write, then at once: node packages/nin/bin/nin.js train ... --epochs 1 --save FILE --overwrite');
  const reapedIn = await waitUntilGone(killedPids, 30_000);
  await finishRun(cleanTally.reaped, `the same once the killed processes are reaped (here after ${reapedIn} ms)`);
  return { tempsBeforeCleanup: left, mostTemps, midWrites, midWriteKills, reapedIn };
}

/** Tensors (raw bytes by name) and metadata of a checkpoint on disk. */
function contents(path) {
  const split = splitFile(readFileSync(path));
  const tensors = new Map();
  for (const [name, entry] of split.entries) {
    if (name === '__metadata__') continue;
    tensors.set(name, { dtype: entry.dtype, shape: entry.shape, bytes: split.data.subarray(entry.data_offsets[0], entry.data_offsets[1]) });
  }
  return { tensors, metadata: split.entries.find(([k]) => k === '__metadata__')?.[1] ?? {} };
}

/** Differences between two checkpoints: tensors compared bit for bit, metadata except timings. */
function differences(a, b) {
  const diffs = [];
  for (const [name, t] of a.tensors) {
    const u = b.tensors.get(name);
    if (!u) diffs.push(`${name} missing`);
    else if (Buffer.compare(Buffer.from(t.bytes), Buffer.from(u.bytes)) !== 0) {
      const x = new Float32Array(Uint8Array.from(t.bytes).buffer);
      const y = new Float32Array(Uint8Array.from(u.bytes).buffer);
      let worst = 0;
      for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
      diffs.push(`${name} differs (max |diff| ${worst.toExponential(2)})`);
    }
  }
  if (b.tensors.size !== a.tensors.size) diffs.push(`${a.tensors.size} vs ${b.tensors.size} tensors`);
  const strip = (history) => JSON.stringify(JSON.parse(history ?? '[]').map(({ seconds: _s, ...rest }) => rest));
  for (const key of Object.keys(a.metadata)) {
    if (key === 'tapegrad.nin.history') {
      if (strip(a.metadata[key]) !== strip(b.metadata[key])) diffs.push('history (losses and accuracies) differs');
    } else if (a.metadata[key] !== b.metadata[key]) diffs.push(`metadata ${key}: ${a.metadata[key]} vs ${b.metadata[key]}`);
  }
  return diffs;
}

/**
 * Trains 4 epochs straight, and 2 then 2 more with --resume, and compares the two final
 * checkpoints exactly. `planned: 4` stops the second run after epoch 2 by copying its epoch-2
 * checkpoint as soon as it is written and killing the run (the schedule is the planned one);
 * `planned: 2` trains 2 epochs as planned and resumes with --epochs 4 (with a constant schedule
 * the two are the same run).
 */
export async function resumeEqualsUninterrupted({ config, nin, env, dir, data, capBytes, tally }) {
  const common = ['train', '--variant', 'small', '--limit-train', '256', '--limit-test', '32', '--batch-size', '32', '--data', data, ...config.args];
  const straight = join(dir, `${config.name}-straight.safetensors`);
  const first = join(dir, `${config.name}-first.safetensors`);
  const half = join(dir, `${config.name}-epoch2.safetensors`);
  const resumed = join(dir, `${config.name}-resumed.safetensors`);
  const repro = `node packages/nin/bin/nin.js ${common.join(' ').replace(data, '"$TAPEGRAD_DATA/fashion-mnist"')} --epochs 4 --save A; the same with ${config.planned === 4 ? '--epochs 4 --save B stopped after epoch 2' : '--epochs 2 --save B'}; then --resume B${config.planned === 4 ? '' : ' --epochs 4'} --save C; compare A and C`;
  const a = await runNode([nin, ...common, '--epochs', '4', '--save', straight], { env, cwd: dir, timeoutMs: 300_000, capBytes });
  if (a.code !== 0) return tally.add('crash', { repro, why: `uninterrupted run failed: ${a.stderr.trim().slice(-300)}` });
  if (config.planned === 4) {
    let copied = false;
    await runNode([nin, ...common, '--epochs', '4', '--save', first], {
      env, cwd: dir, timeoutMs: 300_000, capBytes,
      onSpawn: (child) => {
        const poll = setInterval(() => {
          const meta = existsSync(first) ? metadataOf(first) : null;
          if (meta && meta.epoch === '2' && JSON.parse(meta['tapegrad.nin.history']).length === 2) {
            copyFileSync(first, half);
            copied = metadataOf(half)?.epoch === '2';
          }
          if (copied || (meta && Number(meta.epoch) > 2)) {
            clearInterval(poll);
            try {
              process.kill(-child.pid, 'SIGKILL');
            } catch {
              // gone
            }
          }
        }, 2);
      },
    });
    if (!copied) return tally.add('hang', { repro, why: 'could not catch the epoch-2 checkpoint before epoch 3 replaced it' });
  } else {
    const b = await runNode([nin, ...common, '--epochs', '2', '--save', half], { env, cwd: dir, timeoutMs: 300_000, capBytes });
    if (b.code !== 0) return tally.add('crash', { repro, why: `first half failed: ${b.stderr.trim().slice(-300)}` });
  }
  const resumeArgs = ['train', '--resume', half, '--save', resumed, '--data', data, ...(config.planned === 4 ? [] : ['--epochs', '4'])];
  const c = await runNode([nin, ...resumeArgs], { env, cwd: dir, timeoutMs: 300_000, capBytes });
  if (c.code !== 0) return tally.add(c.timedOut ? 'hang' : 'crash', { repro, why: `resumed run failed: ${c.stderr.trim().slice(-300)}` });
  const diffs = differences(contents(straight), contents(resumed));
  if (diffs.length > 0) return tally.add('silent', { repro, why: `resumed != uninterrupted: ${diffs.slice(0, 4).join('; ')}${diffs.length > 4 ? ` (+${diffs.length - 4} more)` : ''}` });
  tally.add('accepted', {});
  return null;
}

/**
 * Trains nin-small for `steps` steps (batch 64, 3 epochs) as a child process, sampling its
 * resident memory every 100 ms until the last epoch's line and reading the step from its plain
 * progress lines (CI=1). Returns the least-squares slope of RSS over the steps past the first
 * third (the warm-up: buffers, the arena and the JIT settle), and RSS at both ends of that window.
 */
export async function memoryOverSteps({ steps, nin, env, dir, data, capBytes }) {
  const epochs = 3;
  const perEpoch = Math.ceil(steps / epochs);
  const total = perEpoch * epochs;
  const args = [nin, 'train', '--variant', 'small', '--epochs', String(epochs), '--batch-size', '64', '--limit-train', String(perEpoch * 64), '--limit-test', '64', '--data', data];
  const samples = [];
  let step = 0;
  let training = true;
  let timer;
  let out = '';
  const run = await runNode(args, {
    env: { ...env, CI: '1' }, cwd: dir, timeoutMs: 600_000, capBytes,
    onSpawn: (child) => {
      const read = (d) => {
        out += d;
        for (const m of String(d).matchAll(/epoch (\d+): step (\d+)\/(\d+)/g)) step = (Number(m[1]) - 1) * Number(m[3]) + Number(m[2]);
        // the last epoch's summary line: training is over, what follows is the exit
        if (new RegExp(`epoch ${epochs}, loss`).test(out)) training = false;
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
      timer = setInterval(() => {
        const rss = treeRss(child.pid);
        if (rss > 0 && training) samples.push({ step, rss });
      }, 100);
    },
  });
  clearInterval(timer);
  const warmup = Math.round(steps / 3);
  const late = samples.filter((s) => s.step >= warmup);
  const n = late.length;
  const mx = late.reduce((s, p) => s + p.step, 0) / n;
  const my = late.reduce((s, p) => s + p.rss, 0) / n;
  const slope = late.reduce((s, p) => s + (p.step - mx) * (p.rss - my), 0) / late.reduce((s, p) => s + (p.step - mx) ** 2, 0);
  return {
    run, args: args.slice(1), steps: total, lastStepSeen: step, samples: late.length, warmup,
    slopeMbPer100Steps: (slope * 100) / 1e6,
    rssFirstMb: n ? late[0].rss / 1e6 : NaN,
    rssLastMb: n ? late[n - 1].rss / 1e6 : NaN,
    peakMb: run.peakRssBytes / 1e6,
    output: out.slice(-400),
  };
}
