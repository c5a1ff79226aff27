/**
 * Random `nin` command lines: a command (sometimes none or an unknown one), its required options,
 * some optional ones, and faults injected into them: unknown flags, flags of other commands,
 * missing values, values that are negative, zero, huge, NaN, fractional, words or empty, stray
 * arguments, missing or unreadable files. Each line carries what it should get:
 * 'valid' (exit 0), 'invalid' (a one-line error) or 'maybe' (either is right: a value that is
 * legal but may be refused, such as --resize below the network's smallest input).
 * Training runs are kept short (--variant small --limit-train 16 --limit-test 8); valid values
 * are drawn small enough that every valid run ends in seconds.
 */
import { join } from 'node:path';

/** Values that are wrong for any numeric option. */
const BAD_NUMBERS = ['-1', '0', '-0.5', '1.5', 'NaN', 'Infinity', '-Infinity', 'abc', '', ' ', '1e400', '99999999999999999999', '0x10', '1_000', '2,3', '١٢'];
/** Values that are wrong for an integer option but read as a number by JavaScript. */
const NON_INTEGERS = ['1e1', '2.0', '1.', '.5'];

/**
 * Options by command: `valid(ctx, rng)` draws a valid value (null: a flag without value),
 * `bad` lists invalid values, `maybe` legal values the command may still refuse.
 */
function optionTable(ctx) {
  const integer = (lo, hi, extra = []) => ({ valid: (rng) => String(rng.int(lo, hi)), bad: [...BAD_NUMBERS, ...NON_INTEGERS, ...extra] });
  const file = (rng) => join(ctx.dir, `${rng.int(0, 1e9)}`);
  return {
    backend: { valid: (rng) => (rng.chance(0.9) ? 'cpu' : 'gpujs'), bad: ['cuda', 'CPU', '', 'webgl', '-'] },
    variant: { valid: () => 'small', bad: ['tiny', 'SMALL', '', 'nin', '1'], maybe: ['d2l'] },
    widths: { valid: (rng) => rng.pick(['8,8,8', '16,32,64', '4,8,16']), bad: ['16,32', '16,32,64,128', '0,8,8', '-8,8,8', 'a,b,c', '', '8.5,8,8', '5000,8,8', '8,,8'] },
    epochs: integer(1, 2, ['10001']),
    'batch-size': integer(1, 64, ['60001']),
    lr: { valid: (rng) => rng.pick(['0.001', '0.003', '1e-3', '0.1']), bad: ['0', '-0.1', 'NaN', 'Infinity', '1e308', 'abc', '', '1001', '0x1'], maybe: ['5', '1000'] },
    optimizer: { valid: (rng) => rng.pick(['adam', 'sgd']), bad: ['Adam', 'rmsprop', '', 'sgd ', 'adamw'] },
    schedule: { valid: (rng) => rng.pick(['constant', 'cosine']), bad: ['linear', 'Cosine', ''] },
    init: { valid: (rng) => rng.pick(['model', 'data']), bad: ['xavier', '', 'Data'] },
    resize: { ...integer(28, 40, ['1025', '100000']), maybe: ['8', '12', '20', '27'] },
    'limit-train': integer(8, 16),
    'limit-test': integer(4, 8),
    seed: { valid: (rng) => String(rng.pick([0, 1, 42, 4294967295])), bad: ['-1', '4294967296', '1.5', 'abc', '', 'NaN', '1e3'] },
    data: { valid: () => ctx.data, bad: [join(ctx.dir, 'no-such-dir'), ctx.emptyDir, ctx.checkpoint, '', '/dev/null'] },
    save: { valid: (rng) => `${file(rng)}.safetensors`, bad: [ctx.existing, ctx.emptyDir, `${join(ctx.dir, 'x')}.txt`, '/proc/nope/x.safetensors', ''], fresh: true },
    resume: { valid: () => ctx.resumable, bad: [join(ctx.dir, 'missing.safetensors'), ctx.emptyDir, ctx.png, ctx.modelOnly, ''] },
    plot: { valid: (rng) => `${file(rng)}.svg`, bad: [`${join(ctx.dir, 'x')}.png`, ctx.emptyDir, '/proc/nope/x.svg', ''] },
    overwrite: { valid: () => null, bad: [] },
    json: { valid: () => null, bad: [] },
    input: integer(1, 224, ['1025']),
    weights: { valid: () => ctx.checkpoint, bad: [join(ctx.dir, 'missing.safetensors'), ctx.emptyDir, ctx.png, ctx.garbage, '', '/dev/null'] },
    top: integer(1, 10),
    onnx: { valid: (rng) => `${file(rng)}.onnx`, bad: [`${join(ctx.dir, 'x')}.txt`, ctx.emptyDir, '/proc/nope/x.onnx', ''] },
  };
}

/** Each command's options: required first, then optional. */
const COMMANDS = {
  summary: { required: [], optional: ['variant', 'input', 'backend'] },
  train: { required: ['variant', 'limit-train', 'limit-test'], optional: ['widths', 'epochs', 'batch-size', 'lr', 'optimizer', 'schedule', 'init', 'resize', 'seed', 'data', 'save', 'resume', 'plot', 'overwrite', 'backend'] },
  eval: { required: ['weights', 'limit-test'], optional: ['variant', 'data', 'batch-size', 'json', 'backend'] },
  predict: { required: ['weights'], optional: ['variant', 'json', 'top', 'backend'], positionals: true },
  export: { required: ['weights', 'onnx'], optional: ['variant', 'backend'] },
};

/** Train options a --resume forbids (the checkpoint fixes them). */
const FIXED_BY_RESUME = new Set(['variant', 'widths', 'batch-size', 'lr', 'optimizer', 'schedule', 'init', 'resize', 'limit-train', 'limit-test', 'seed']);

/**
 * One random command line: `{argv, expect, faults}`. `ctx` holds the paths it may name
 * (`dir` for fresh outputs, `data`, `checkpoint`, `resumable`, `png`, `idx`, `garbage`,
 * `emptyDir`, `existing`, `modelOnly`). Each option is an entry `{name, value, flag?, fault?,
 * maybe?, missing?, flagValue?}`; an injected fault is kept on the entry it spoils, so a later
 * change of the same entry replaces it, and an entry that a later one of the same name
 * overrides (the last value wins) loses its fault and makes the line 'maybe'.
 */
export function randomCommandLine(rng, ctx) {
  const table = optionTable(ctx);
  const shape = rng.weighted({ command: 90, none: 2, unknown: 3, help: 3, version: 2 });
  if (shape === 'none') return { argv: [], expect: 'invalid', faults: ['no command'] };
  if (shape === 'unknown') return { argv: [rng.pick(['trian', 'run', 'TRAIN', '-x', '--train', 'evaluate', ''])], expect: 'invalid', faults: ['unknown command'] };
  if (shape === 'help') {
    const argv = rng.pick([['--help'], ['help'], ['help', 'train'], ['help', 'nope'], ['train', '--help'], ['-h'], ['help', 'train', 'eval']]);
    const bad = (argv[0] === 'help' && argv[1] === 'nope') || argv.length > 2;
    return { argv, expect: bad ? 'invalid' : 'valid', faults: bad ? ['bad help topic'] : [] };
  }
  if (shape === 'version') return rng.chance(0.5) ? { argv: ['--version'], expect: 'valid', faults: [] } : { argv: ['--version', 'x'], expect: 'invalid', faults: ['stray argument after --version'] };

  const name = rng.pick(Object.keys(COMMANDS));
  const spec = COMMANDS[name];
  const lineFaults = [];
  let maybe = false;
  const options = [];
  // train and eval keep their short-run options always (without them they read 60,000 or 10,000 images)
  const keep = new Set(['limit-train', 'limit-test']);
  for (const option of spec.required) {
    if (keep.has(option) || name === 'train' || rng.chance(0.95)) options.push({ name: option, value: table[option].valid(rng) });
    else lineFaults.push(`required --${option} left out`);
  }
  for (const option of spec.optional.filter(() => rng.chance(0.25))) options.push({ name: option, value: table[option].valid(rng) });
  const has = (o) => options.some((e) => e.name === o && !e.flag);
  // A resume run may not change what the checkpoint fixes; its planned epoch is done, so --epochs 2
  if (name === 'train' && has('resume')) {
    for (let i = options.length - 1; i >= 0; i--) if (FIXED_BY_RESUME.has(options[i].name)) options.splice(i, 1);
    if (!has('epochs')) options.push({ name: 'epochs', value: '2' });
    for (const e of options) if (e.name === 'epochs') e.value = '2';
  }
  if (has('backend') && options.find((e) => e.name === 'backend').value === 'gpujs') maybe = true;
  const positionals = spec.positionals ? Array.from({ length: rng.int(1, 3) }, () => rng.pick([ctx.png, ctx.png, ctx.idx])) : [];
  if (spec.positionals && rng.chance(0.1)) {
    positionals.length = 0;
    lineFaults.push('no images');
  }

  const known = () => options.filter((e) => !e.flag && table[e.name]);
  const injections = rng.chance(0.7) ? rng.int(1, 2) : 0;
  for (let k = 0; k < injections; k++) {
    const kind = rng.weighted({ badValue: 40, unknownFlag: 12, otherCommandsFlag: 8, missingValue: 12, strayArgument: 6, maybeValue: 8, valueForFlag: 4, duplicate: 5, badFile: 5 });
    if (kind === 'badValue' || kind === 'maybeValue') {
      const candidates = known().filter((e) => (kind === 'badValue' ? table[e.name].bad.length > 0 : table[e.name].maybe));
      if (candidates.length === 0) continue;
      const e = rng.pick(candidates);
      e.value = rng.pick(kind === 'badValue' ? table[e.name].bad : table[e.name].maybe);
      e.missing = false;
      // --save onto the existing file is what --overwrite is for
      const replacing = e.name === 'save' && e.value === ctx.existing && has('overwrite');
      e.fault = kind === 'badValue' && !replacing ? `--${e.name} ${JSON.stringify(e.value)}` : undefined;
      e.maybe = kind === 'maybeValue' || replacing;
    } else if (kind === 'unknownFlag') {
      const flag = rng.pick(['--foo', '--epoch', '--limit_train', '--batchsize', '-x', '--LR', '--verbose', '---epochs', '--weights=', '--data-dir']);
      options.push({ name: flag, flag, value: rng.chance(0.5) ? '1' : null, fault: `unknown flag ${flag}` });
    } else if (kind === 'otherCommandsFlag') {
      const foreign = Object.keys(table).filter((o) => !spec.required.includes(o) && !spec.optional.includes(o));
      const option = rng.pick(foreign);
      options.push({ name: option, value: table[option].valid(rng), fault: `--${option} does not belong to ${name}` });
    } else if (kind === 'missingValue') {
      const valued = known().filter((e) => e.value !== null);
      if (valued.length === 0) continue;
      const e = rng.pick(valued);
      e.missing = true;
      e.fault = `--${e.name} without its value`;
    } else if (kind === 'strayArgument') {
      if (spec.positionals) continue;
      positionals.push(rng.pick(['extra', '1', ctx.png, '-']));
      lineFaults.push('stray argument');
    } else if (kind === 'valueForFlag') {
      const flags = known().filter((e) => e.name === 'json' || e.name === 'overwrite');
      if (flags.length === 0) continue;
      const e = rng.pick(flags);
      e.flagValue = rng.pick(['true', '1', 'no']);
      e.fault = `--${e.name}=${e.flagValue} (a flag takes no value)`;
    } else if (kind === 'duplicate') {
      const valued = known().filter((e) => e.value !== null);
      if (valued.length === 0) continue;
      options.push({ name: rng.pick(valued).name, value: null });
      options[options.length - 1].value = table[options[options.length - 1].name].valid(rng);
    } else if (kind === 'badFile') {
      const files = known().filter((e) => ['weights', 'resume', 'data'].includes(e.name));
      if (files.length > 0) {
        const e = rng.pick(files);
        e.value = rng.pick(table[e.name].bad);
        e.missing = false;
        e.fault = `--${e.name} ${JSON.stringify(e.value)}`;
      } else if (spec.positionals) {
        positionals.push(rng.pick([join(ctx.dir, 'missing.png'), ctx.garbage, ctx.emptyDir, ctx.checkpoint, '']));
        lineFaults.push('an image that is not one');
      }
    }
  }
  if (name === 'train' && has('overwrite') && !has('save')) lineFaults.push('--overwrite without --save');

  // the last of several same-named options wins: the faults of the ones before it do not count
  const faults = [...lineFaults];
  options.forEach((e, i) => {
    const overridden = !e.flag && table[e.name] && options.slice(i + 1).some((later) => later.name === e.name && !later.flag && !later.missing);
    if (overridden) maybe = true;
    else if (e.fault) faults.push(e.fault);
    if (e.maybe) maybe = true;
  });

  const argv = [name];
  let missing = null;
  for (const e of options) {
    const flag = e.flag ?? `--${e.name}`;
    if (e.flagValue !== undefined) argv.push(`${flag}=${e.flagValue}`);
    else if (e.missing) missing = flag; // a value is only missing at the very end: placed last below
    else if (e.value === null) argv.push(flag);
    else if (e.value.startsWith('-') && rng.chance(0.5)) argv.push(`${flag}=${e.value}`);
    else argv.push(flag, e.value);
  }
  argv.push(...positionals);
  if (missing) argv.push(missing);
  return { argv, expect: faults.length > 0 ? 'invalid' : maybe ? 'maybe' : 'valid', faults };
}
