#!/usr/bin/env node
/**
 * Runs the gpujs backend in headless Chromium: bundles tools/gpu/chromium/entry.ts with esbuild
 * (gpu.js's browser build, the packages' sources), opens it in Chromium and relays its verdict.
 * Without a GPU, Chromium's WebGPU runs on SwiftShader (Vulkan on the CPU), which is enough to
 * check that every kernel translates to valid WGSL and computes what gpu.js's cpu mode computes.
 *
 *   node tools/gpu/chromium-webgpu.mjs [--mode webgpu|webgl2|webgl|webasm|cpu] [--limit N] [--index N] [--arrays N] [--big] [--chromium PATH]
 *                                      [--suite kernels|conformance]
 *
 * `--suite conformance` runs tapegrad's conformance suite (test/conformance/suite.ts, with a small
 * vitest stand-in) on the gpujs backend in that mode instead of the kernel checks.
 *
 * Needs a Chromium (Debian: apt-get install chromium). Exit code 0 when every case passed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const mode = option('mode', 'webgpu');
const limit = option('limit', '');
// --index and --arrays lower the exact-index and binding limits (with --limit: the paths of huge tensors on small ones).
const index = option('index', '');
const arrays = option('arrays', '');
// --big adds the issue's calls at full size (tensors over 2^24 elements): seconds to minutes on SwiftShader.
const big = args.includes('--big');
const chromium = option('chromium', process.env.CHROMIUM ?? 'chromium');
const timeoutMs = Number(option('timeout', '300')) * 1000;
const suite = option('suite', 'kernels');

const out = mkdtempSync(join(tmpdir(), 'tapegrad-chromium-'));
const pkg = (name) => join(root, 'packages', name, 'src', 'index.ts');
await build({
  entryPoints: [join(root, suite === 'conformance' ? 'tools/gpu/chromium/conformance-entry.ts' : 'tools/gpu/chromium/entry.ts')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  outfile: join(out, 'bundle.js'),
  alias: { '@tapegrad/core': pkg('core'), '@tapegrad/backend-gpujs': pkg('backend-gpujs'), vitest: join(root, 'tools/gpu/chromium/vitest-shim.ts') },
  logLevel: 'warning',
});
writeFileSync(join(out, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="bundle.js"></script>\n');

const url = `file://${join(out, 'index.html')}?mode=${mode}${limit ? `&limit=${limit}` : ''}${index ? `&index=${index}` : ''}${arrays ? `&arrays=${arrays}` : ''}${big ? '&big=1' : ''}`;
const flags = [
  '--headless=new', '--no-sandbox', '--disable-gpu-sandbox', '--no-first-run', '--allow-file-access-from-files',
  '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader',
  '--use-angle=swiftshader', '--enable-logging=stderr', '--v=0', `--user-data-dir=${join(out, 'profile')}`,
  '--remote-debugging-port=0', url,
];
console.log(`chromium ${mode}${limit ? ` (parts of ${limit})` : ''}: ${url}`);
const child = spawn(chromium, flags, { stdio: ['ignore', 'ignore', 'pipe'] });
let buffer = '';
let summary = null;
const timer = setTimeout(() => {
  console.log(`timed out after ${timeoutMs / 1000} s`);
  child.kill('SIGKILL');
}, timeoutMs);
child.stderr.setEncoding('utf8');
child.stderr.on('data', (chunk) => {
  buffer += chunk;
  let nl;
  while ((nl = buffer.indexOf('\n')) >= 0) {
    const line = buffer.slice(0, nl);
    buffer = buffer.slice(nl + 1);
    const m = /CONSOLE[^\]]*\] "(.*)", source:/.exec(line);
    if (!m) continue;
    // The page sends RESULT/DONE/ERROR payloads URI-encoded (console quoting would mangle JSON).
    const text = m[1];
    if (text.startsWith('RESULT ')) {
      const r = JSON.parse(decodeURIComponent(text.slice(7)));
      if (!r.ok) console.log(`FAIL ${r.case}: ${r.message}`);
    } else if (text.startsWith('ERROR ')) {
      console.log(`ERROR ${decodeURIComponent(text.slice(6))}`);
    } else if (text.startsWith('DONE ')) {
      summary = JSON.parse(decodeURIComponent(text.slice(5)));
      console.log(`summary ${JSON.stringify(summary)}`);
      child.kill('SIGTERM');
    } else {
      console.log(text);
    }
  }
});
child.on('exit', () => {
  clearTimeout(timer);
  if (!summary) {
    console.log('no verdict from the page');
    process.exit(2);
  }
  console.log(summary.failed === 0 ? `PASS: ${summary.cases} ${suite === 'conformance' ? 'conformance tests' : 'cases and the training check'} on ${mode}` : `FAILED: ${summary.failed} of ${summary.cases} cases/checks`);
  process.exit(summary.failed === 0 ? 0 : 1);
});
