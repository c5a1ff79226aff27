/** Paths of the repository's PyTorch fixtures and of the Fashion-MNIST data used by the tests. */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** `test/fixtures/torch/` at the repository root. */
export const TORCH_FIXTURES = fileURLToPath(new URL('../../../test/fixtures/torch/', import.meta.url));

/**
 * The data root holding `fashion-mnist/`: `$TAPEGRAD_DATA` (set by `.ci/run`), else the shared
 * folder beside the repository (`../shared/data`).
 */
export const DATA_ROOT = process.env.TAPEGRAD_DATA ?? fileURLToPath(new URL('../../../../shared/data/', import.meta.url));

/** The fixture file `name` under `test/fixtures/torch/`. */
export function torchFixture(name: string): string {
  return join(TORCH_FIXTURES, name);
}
