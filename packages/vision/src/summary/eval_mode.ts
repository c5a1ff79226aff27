/** Running code with a model in evaluation mode, restoring its mode afterwards. */
import type { Module } from '@tapegrad/nn';

/**
 * Calls `fn` with `model` in evaluation mode (dropout off) and puts the model back in the mode it
 * was in once `fn` returns, throws, or (when it returns a Promise) settles.
 */
export function inEvalMode<T>(model: Module, fn: () => T): T {
  const wasTraining = model.training;
  const restore = (): void => {
    model.train(wasTraining);
  };
  model.eval();
  let result: T;
  try {
    result = fn();
  } catch (error) {
    restore();
    throw error;
  }
  if (result instanceof Promise) return result.finally(restore) as T;
  restore();
  return result;
}
