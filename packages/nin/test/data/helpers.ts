/**
 * What the data tests share: the tools of `tools.ts`, the repository root, and the real
 * Fashion-MNIST files. Importing this module looks the data up (see `fashionMnistDir`); when it
 * is nowhere, the importing test file fails with the look-up's error, which says how to fix it.
 * Tests that do not need the data import `tools.ts` instead.
 */
import { fileURLToPath } from 'node:url';
import { fashionMnistDir } from '../fixtures.js';

export { md5, rm, serveDroppedBody, serveFiles, snapshot, tempDir, type FileServer } from './tools.js';

/** Repository root (packages/nin/test/data -> four levels up). */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** The directory of the real, canonical Fashion-MNIST files, as the product's look-up finds it. */
export const FASHION_DIR = await fashionMnistDir();
