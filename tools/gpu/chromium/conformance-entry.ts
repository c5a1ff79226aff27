/**
 * Runs tapegrad's conformance suite (test/conformance/suite.ts) in Chromium on the gpujs backend,
 * in the mode given as `?mode=` (vitest replaced by vitest-shim.ts). Reports `RESULT`/`DONE` lines.
 */
import { runRegistered } from './vitest-shim.js';

async function main(): Promise<void> {
  const mode = new URLSearchParams(location.search).get('mode') ?? 'webgpu';
  (globalThis as { process?: unknown }).process = { env: { TAPEGRAD_GPUJS_MODE: mode } };
  const summary = { mode, cases: 0, failed: 0, skipped: 0 };
  try {
    await import('@tapegrad/backend-gpujs');
    const { describeConformance } = await import('../../../test/conformance/suite.js');
    describeConformance('gpujs', { scale: 'small' });
    await runRegistered((name, error, skipped) => {
      if (skipped) { summary.skipped++; return; }
      summary.cases++;
      if (error) summary.failed++;
      const message = error ? (error instanceof Error ? error.message : String(error)) : '';
      console.log(`RESULT ${encodeURIComponent(JSON.stringify({ case: name, ok: !error, message }))}`);
    });
  } catch (error) {
    summary.failed++;
    console.log(`ERROR ${encodeURIComponent(JSON.stringify(error instanceof Error ? { message: error.message, stack: error.stack } : String(error)))}`);
  }
  console.log(`DONE ${encodeURIComponent(JSON.stringify(summary))}`);
}

void main();
