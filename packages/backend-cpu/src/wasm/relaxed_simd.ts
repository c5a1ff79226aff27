/**
 * Relaxed SIMD (its `f32x4.relaxed_madd` gives the GEMM fused multiply-adds, about 1.2-1.3x faster)
 * is on by default from Node 22; Node 20 has it behind `--experimental-wasm-relaxed-simd`. V8's
 * flags are process-wide, so setting that one before the kernels compile turns it on for this
 * thread and the workers (which instantiate the compiled module) without a command-line flag.
 * `TAPEGRAD_CPU_FMA=0` leaves the engine as it is (multiply then add). Browsers that have relaxed
 * SIMD have it on (the browser platform sets no flag).
 */
import { platform } from '#platform';

/** Whether `TAPEGRAD_CPU_FMA` allows fused multiply-add (unset, `1`: yes; `0`: no). */
export function fmaAllowed(): boolean {
  const text = platform.env('TAPEGRAD_CPU_FMA');
  if (text === undefined || text === '' || text === '1') return true;
  if (text === '0') return false;
  throw new Error(`TAPEGRAD_CPU_FMA must be 0 or 1, got '${text}'`);
}

/** Asks the engine for relaxed SIMD where it has it behind a flag; call before compiling the kernels. */
export function enableRelaxedSimd(): void {
  platform.enableRelaxedSimd();
}
