/** Error thrown for any malformed safetensors file or invalid input to the encoder. */
export class SafetensorsError extends Error {
  /**
   * @param message - What is wrong; decoder messages begin with the file path (source).
   * @param options - Standard error options (e.g. the underlying `cause`).
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SafetensorsError';
  }
}
