/**
 * The largest values the CLI's numeric options take. Beyond them a value is a typo, or would
 * exhaust memory or time before anything useful happened, so it is refused when the command
 * line is parsed, with the bound in the message.
 */
export const OPTION_BOUNDS = Object.freeze({
  /** `--epochs`. */
  epochs: 10_000,
  /** `--batch-size`: the training set holds 60,000 images. */
  batchSize: 60_000,
  /** `--lr`: far above any rate that trains (0.1 for the chapter's SGD); 1e308 overflowed at the first step. */
  lr: 1000,
  /** `--seed`: the per-epoch seeds mix 32 bits of it (`epochSeeds`). */
  seed: 2 ** 32 - 1,
  /** `--resize` and `summary --input`: 1024 x 1024 is 21x the d2l input of 224 x 224. */
  inputSize: 1024,
  /** Each of `--widths A,B,C`. */
  width: 4096,
});
