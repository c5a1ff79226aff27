/**
 * Caps on what an input file may expand to in memory, so that a small hostile file (a
 * decompression bomb, or a header declaring a huge size) is refused before it is expanded.
 */

/** Environment read for the caps' overrides. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Default cap on the decompressed bytes of an IDX file that are read into memory: 1 GiB, 20x
 * the largest canonical file (train-images, 47,040,016 bytes).
 */
export const DEFAULT_MAX_IDX_BYTES = 1024 ** 3;

/** Environment variable that overrides `DEFAULT_MAX_IDX_BYTES`. */
export const MAX_IDX_BYTES_ENV = 'TAPEGRAD_MAX_IDX_BYTES';

/**
 * Default cap on the pixels (width x height) of an image to classify: 4096x4096. Decoding holds
 * the inflated rows, pngjs's RGBA copies and the grayscale result at once: measured at the cap,
 * about 200 MB over the process's baseline for 8-bit RGB and 500 MB for 16-bit RGBA.
 */
export const DEFAULT_MAX_IMAGE_PIXELS = 4096 * 4096;

/** Environment variable that overrides `DEFAULT_MAX_IMAGE_PIXELS`. */
export const MAX_IMAGE_PIXELS_ENV = 'TAPEGRAD_MAX_IMAGE_PIXELS';

/** A cap in force and how a user raises it (for error messages). */
export interface Cap {
  readonly limit: number;
  /** e.g. `set TAPEGRAD_MAX_IDX_BYTES=N (or the maxIdxBytes option)` */
  readonly howToRaise: string;
}

/**
 * The cap in force: `option` when given, else the environment variable `envName` when set, else
 * `fallback`. Both must be positive integers.
 *
 * @throws Error naming the option or variable when it is not a positive integer
 */
function resolveCap(optionName: string, option: number | undefined, envName: string, env: Env, fallback: number): Cap {
  const howToRaise = `set ${envName}=N (or the ${optionName} option)`;
  if (option !== undefined) {
    if (!Number.isSafeInteger(option) || option <= 0) throw new Error(`${optionName} must be a positive integer, got ${option}`);
    return { limit: option, howToRaise };
  }
  const text = env[envName];
  if (text === undefined || text === '') return { limit: fallback, howToRaise };
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value <= 0) {
    throw new Error(`${envName} must be a positive integer, got '${text}'`);
  }
  return { limit: value, howToRaise };
}

/** The IDX byte cap: `maxIdxBytes`, else `$TAPEGRAD_MAX_IDX_BYTES`, else `DEFAULT_MAX_IDX_BYTES`. */
export function idxByteCap(maxIdxBytes: number | undefined, env: Env = process.env): Cap {
  return resolveCap('maxIdxBytes', maxIdxBytes, MAX_IDX_BYTES_ENV, env, DEFAULT_MAX_IDX_BYTES);
}

/** The image pixel cap: `maxPixels`, else `$TAPEGRAD_MAX_IMAGE_PIXELS`, else `DEFAULT_MAX_IMAGE_PIXELS`. */
export function imagePixelCap(maxPixels: number | undefined, env: Env = process.env): Cap {
  return resolveCap('maxPixels', maxPixels, MAX_IMAGE_PIXELS_ENV, env, DEFAULT_MAX_IMAGE_PIXELS);
}
