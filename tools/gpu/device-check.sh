#!/usr/bin/env bash
# The gpujs backend on the GPU machine (gpu.js webgpu mode on Dawn/Vulkan). Run there as
#
#   . .device/setup.sh && cd "$APP" && bash tools/gpu/device-check.sh
#
# after `npm run build` and `bash ../shared/tools/gpu-device/pack.sh` here (the device tool with
# carry [".device"]). Parts, each with its own time limit, everything tee'd into $OUT:
#   1. the conformance suite with TAPEGRAD_GPUJS_MODE=webgpu          -> $OUT/conformance-webgpu.log
#   2. 20 training steps of the d2l NiN at 224, batch 128 (the issue's run: activations of 35.8M
#      elements, held in parts), gpujs/webgpu                          -> $OUT/nin-d2l.log, $OUT/nin-d2l.json
#   3. the backend's own tests (parity vs CPU with whole tensors, parts, and lowered index/binding
#      limits; leak test) in webgpu                                    -> $OUT/backend-tests-webgpu.log
# A summary goes to $OUT/summary.txt. Exit status: 0 when every part passed.
# Limits (seconds) can be changed: CONFORMANCE_S, BENCH_S, TESTS_S (defaults 140, 230, 120: with the
# probe's 45 they fit the device tool's 600 s); SKIP_TESTS=1 skips part 3. The benchmark stops
# early, reporting the steps it timed, rather than run into its limit.
# A dry run elsewhere: DEVICE_MODE=webasm BENCH_ARGS='--steps 1 --warmup 1 --batch 2 --size 96'.
set -u
set -o pipefail

OUT=${OUT:-$PWD/device-out}
mkdir -p "$OUT"
NODE=${NODE:-./node}
[ -x "$NODE" ] || NODE=$(command -v node)
VITEST=node_modules/vitest/vitest.mjs
CONFORMANCE_S=${CONFORMANCE_S:-140}
BENCH_S=${BENCH_S:-230}
TESTS_S=${TESTS_S:-120}
MODE=${DEVICE_MODE:-webgpu}
BENCH_ARGS=${BENCH_ARGS:---steps 20 --warmup 2 --batch 128 --size 224}
summary="$OUT/summary.txt"
: > "$summary"
status=0

say() { echo "[device-check $(date +%H:%M:%S)] $*" | tee -a "$summary"; }

say "node $("$NODE" --version), $(nvidia-smi -L 2>/dev/null | head -1 || echo 'no nvidia-smi')"
say "glibc $(ldd --version 2>/dev/null | head -1 | awk '{print $NF}'), VK_DRIVER_FILES=${VK_DRIVER_FILES:-unset}"
if [ ! -f packages/backend-gpujs/dist/index.js ]; then
  say "packages/backend-gpujs/dist is missing: run npm run build before pack.sh"
  exit 2
fi

# pack.sh ships regular files only: recreate the workspace links npm made under node_modules/@tapegrad.
mkdir -p node_modules/@tapegrad
for pkg in core backend-cpu backend-gpujs nn nin; do
  [ -e "node_modules/@tapegrad/$pkg" ] || ln -s "../../packages/$pkg" "node_modules/@tapegrad/$pkg"
done

# Quick probe: can the backend start in webgpu mode at all? (Fails fast with the reason.)
say "probe: gpujs backend in $MODE mode"
timeout 45 "$NODE" --input-type=module -e "
  const g = await import('@tapegrad/backend-gpujs');
  const b = await g.createGpuJsBackend({ mode: '$MODE' });
  console.log('mode', b.mode, 'async', b.isAsync);
  b.dispose(); if (b.mode === 'webgpu') await g.releaseWebGpuDevice(); process.exit(0);
" 2>&1 | tee "$OUT/probe.log"
probe=$?
say "probe exit $probe"
if [ $probe -ne 0 ]; then
  say "$MODE mode does not start here; see probe.log"
  exit 1
fi

run_part() { # name limit_s command...
  local name=$1 limit=$2; shift 2
  say "part $name (limit ${limit}s): $*"
  local start=$SECONDS
  timeout --kill-after=10 "$limit" "$@" 2>&1 | tee "$OUT/$name.log"
  local rc=$?
  say "part $name exit $rc after $((SECONDS - start))s$([ $rc -eq 124 ] && echo ' (timed out)')"
  [ $rc -eq 0 ] || status=1
  return $rc
}

export TAPEGRAD_GPUJS_MODE=$MODE
run_part conformance-$MODE "$CONFORMANCE_S" "$NODE" "$VITEST" run test/conformance/gpujs.test.ts --reporter=verbose
grep -E "Tests |Test Files " "$OUT/conformance-$MODE.log" | tee -a "$summary"

# shellcheck disable=SC2086 # BENCH_ARGS is a list of options
run_part nin-d2l "$BENCH_S" "$NODE" tools/gpu/nin-d2l-steps.mjs --mode "$MODE" $BENCH_ARGS --budget $((BENCH_S - 30)) --json "$OUT/nin-d2l.json"
grep -E "median|effective|projected|RESULT" "$OUT/nin-d2l.log" | tee -a "$summary"

if [ "${SKIP_TESTS:-0}" != 1 ]; then
  run_part backend-tests-$MODE "$TESTS_S" "$NODE" "$VITEST" run packages/backend-gpujs/test/parity.test.ts packages/backend-gpujs/test/training.test.ts
  grep -E "Tests |Test Files |max \|gpujs" "$OUT/backend-tests-$MODE.log" | tee -a "$summary"
fi

say "done, status $status"
exit $status
