import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const pkg = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      '@tapegrad/core': pkg('core'),
      '@tapegrad/backend-cpu': pkg('backend-cpu'),
      '@tapegrad/backend-gpujs': pkg('backend-gpujs'),
      '@tapegrad/nn': pkg('nn'),
      '@tapegrad/vision': pkg('vision'),
      '@tapegrad/onnx': pkg('onnx'),
      '@tapegrad/nin': pkg('nin'),
      // backend-cpu's host services (package.json `imports`): the Node implementation, from src.
      '#platform': fileURLToPath(new URL('./packages/backend-cpu/src/platform/node.ts', import.meta.url)),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
