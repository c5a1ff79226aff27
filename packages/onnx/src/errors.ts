/** The error of an export that cannot be done. */

/**
 * Thrown by `exportOnnx` and `exportOnnxToBytes` when the model, input shape or options cannot be
 * exported; the message names the module's class and its path in the model (`'features.3'`).
 */
export class OnnxExportError extends Error {
  override readonly name = 'OnnxExportError';
}
