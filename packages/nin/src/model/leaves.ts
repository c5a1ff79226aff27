/** Flattening nested `Sequential`s into the layers that compute. */
import { Sequential, type Module } from '@tapegrad/nn';

/** The modules that compute, in forward order, looking inside `Sequential`s. */
export function leaves(module: Module): Module[] {
  return module instanceof Sequential ? module.children().flatMap(leaves) : [module];
}
