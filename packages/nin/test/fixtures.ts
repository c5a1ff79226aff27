/** Paths of the repository's PyTorch fixtures and of the Fashion-MNIST data used by the tests. */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { locateFashionMnist } from '../src/data/locate.js';

/** `test/fixtures/torch/` at the repository root. */
export const TORCH_FIXTURES = fileURLToPath(new URL('../../../test/fixtures/torch/', import.meta.url));

/** The fixture file `name` under `test/fixtures/torch/`. */
export function torchFixture(name: string): string {
  return join(TORCH_FIXTURES, name);
}

let located: Promise<string> | undefined;

/**
 * The directory holding the real Fashion-MNIST files, found by the product's own look-up
 * (`locateFashionMnist`: `$TAPEGRAD_DATA/fashion-mnist`, the cache, Debian's
 * `/usr/share/datasets/fashion-mnist`) but never downloading: tests do not use the network.
 * When the data is nowhere this rejects with the look-up's error, which lists every place tried
 * and how to fix it (for the tests: `TAPEGRAD_DATA=DIR` with DIR/fashion-mnist holding the files).
 */
export function fashionMnistDir(): Promise<string> {
  located ??= locateFashionMnist({ download: false }).then((found) => found.dir);
  return located;
}
