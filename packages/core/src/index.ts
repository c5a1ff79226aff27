/**
 * @tapegrad/core: tensors, reverse-mode autograd, grad mode, memory management, ops with their
 * gradients, and the backend interface and registry.
 */
export { Tensor, type GradNode, type NestedArray } from './tensor.js';
export * from './ops/index.js';
export { backward, grad, valueAndGrad } from './autograd.js';
export {
  registerBackend, setBackend, getBackend, backendByName, listBackends,
  noGrad, isGradEnabled, tidy, keep, memory, memoryByBackend,
  type MemoryInfo, type TensorContainer,
} from './engine.js';
export { createGenerator, manualSeed, randomUniform, randomNormal, fillUniform, fillNormal, type RandomGenerator } from './random.js';
export { LedgerBackedStorage, StorageLedger } from './storage_ledger.js';
export type { Activation, Backend, BackendFactory, DataId, BinaryInfo, ReduceInfo, ChannelInfo, MatmulInfo, PadInfo, GatherInfo, UnaryKernel, BinaryKernel } from './backend.js';
export { avgPoolDivisorScale, computeConv2dInfo, computePool2dInfo, checkConvGroups, resolvePoolWindow, toPair, type PoolWindow, type Conv2dInfo, type Pool2dInfo, type Pair, type WindowGeometry } from './conv_shapes.js';
export { assertTensor, assertTensorOrNumber, booleanOption, checkKnownOptions, describeValue, isNumericArray, type NumericArray } from './validate.js';
export { sizeOf, stridesOf, broadcastShapes, broadcastStrides, formatShape, shapesEqual, normalizeAxes, type Shape } from './shape.js';
