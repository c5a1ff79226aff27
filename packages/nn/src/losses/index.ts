/** Losses, as functions and as `torch.nn`-style classes. */
export { crossEntropyLoss, CrossEntropyLoss, type CrossEntropyLossOptions } from './cross_entropy.js';
export { nllLoss, NLLLoss, type NLLLossOptions } from './nll.js';
export { mseLoss, MSELoss, type MSELossOptions } from './mse.js';
export { bceWithLogitsLoss, BCEWithLogitsLoss, type BCEWithLogitsLossOptions } from './bce_with_logits.js';
