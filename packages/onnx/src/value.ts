/** A value flowing through the ONNX graph being built. */

/**
 * A value in the ONNX graph being built: the name nodes refer to it by, and its shape for the
 * export's example input (`inputShape`). Axis 0 of a value computed from the input is the batch;
 * with a dynamic batch the file leaves that axis open.
 */
export interface OnnxValue {
  readonly name: string;
  readonly shape: readonly number[];
}
