/**
 * Fashion-MNIST class names, indexed by label (0..9), as published by Zalando Research.
 */
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze([
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
]);

/** Number of Fashion-MNIST classes. */
export const FASHION_MNIST_NUM_CLASSES = 10;
