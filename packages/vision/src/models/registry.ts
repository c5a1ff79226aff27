/** The chapter's models by name, for code that picks one from text (a checkpoint, a command line). */
import { describeValue } from '@tapegrad/core';
import type { Sequential } from '@tapegrad/nn';
import { alexnet, type AlexNetOptions } from './alexnet.js';
import { densenet, type DenseNetOptions } from './densenet.js';
import { googlenet, type GoogLeNetOptions } from './googlenet.js';
import { lenet, type LeNetOptions } from './lenet.js';
import { nin, type NinOptions } from './nin/nin.js';
import { resnet18, type ResNetOptions } from './resnet.js';
import { vgg, type VggOptions } from './vgg.js';

/** Each model's options, by the model's name. */
export interface VisionModelOptions {
  lenet: LeNetOptions;
  alexnet: AlexNetOptions;
  vgg: VggOptions;
  nin: NinOptions;
  googlenet: GoogLeNetOptions;
  resnet18: ResNetOptions;
  densenet: DenseNetOptions;
}

/** A model's name. */
export type VisionModelName = keyof VisionModelOptions;

const BUILDERS: { readonly [K in VisionModelName]: (options: VisionModelOptions[K]) => Sequential } = { lenet, alexnet, vgg, nin, googlenet, resnet18, densenet };

/** Every model's name, in the chapters' order. */
export const VISION_MODEL_NAMES: readonly VisionModelName[] = Object.freeze(Object.keys(BUILDERS) as VisionModelName[]);

/** Whether `name` names one of the models. */
export function isVisionModelName(name: unknown): name is VisionModelName {
  return typeof name === 'string' && Object.hasOwn(BUILDERS, name);
}

/**
 * The model `name` built with `options` (as its own constructor takes them), e.g.
 * `buildVisionModel('resnet18', { widthDivisor: 8 })`.
 * @throws naming the model when the name is unknown, or the constructor's error for bad options
 */
export function buildVisionModel<K extends VisionModelName>(name: K, options: VisionModelOptions[K] = {}): Sequential {
  if (!isVisionModelName(name)) throw new Error(`buildVisionModel: unknown model ${describeValue(name)} (known: ${VISION_MODEL_NAMES.join(', ')})`);
  return (BUILDERS[name] as (options: VisionModelOptions[K]) => Sequential)(options);
}
