/** Utilities over parameters and gradients, after `torch.nn.utils`. */
export { clipGradNorm, type ClipGradNormOptions } from './clip_grad.js';
