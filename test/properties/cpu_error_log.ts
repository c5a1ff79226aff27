/** The setup the gradient-property files share: the cpu backend, and a table of their largest errors printed at the end. */
import '@tapegrad/backend-cpu';
import { setBackend } from '@tapegrad/core';
import { afterAll, beforeAll } from 'vitest';
import { ErrorLog } from '../reference/index.js';

/** Registers the file's hooks; returns the log its properties record into. */
export function cpuErrorLog(): ErrorLog {
  const errors = new ErrorLog();
  beforeAll(async () => {
    await setBackend('cpu');
  });
  afterAll(() => {
    console.log(errors.table('largest error, tapegrad float32 (cpu) vs float64 reference forward / central differences; ratio = |a-e| / (atol + rtol*|e|)'));
  });
  return errors;
}

/** A shape as test names write it, e.g. `[2,3]`. */
export const fmt = (shape: readonly number[]): string => `[${shape.join(',')}]`;
