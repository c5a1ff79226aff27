/**
 * An option given an empty value (`--weights ""`, as a script with an unset variable writes it)
 * is refused when the command line is parsed, naming the option: before, `--weights ""` read as a
 * file named '' (`nin: : no such file`) and `--data ""` was ignored for the usual look-up.
 */
import { describe, expect, it } from 'vitest';
import { nin } from './cli_helpers.js';

describe('an empty option value', () => {
  it.each([
    ['eval', '--weights', ['--limit-test', '8']],
    ['eval', '--data', ['--weights', 'w.safetensors']],
    ['predict', '--weights', ['image.png']],
    ['export', '--onnx', ['--weights', 'w.safetensors']],
    ['train', '--resume', []],
    ['train', '--epochs', []],
    ['summary', '--variant', []],
  ])('%s %s "" is one line naming the option', async (command, option, rest) => {
    for (const argv of [[command, option, '', ...rest], [command, `${option}=`, ...rest]]) {
      const result = await nin(...argv);
      expect(result.code).toBe(1);
      expect(result.stdout).toEqual([]);
      expect(result.stderr).toEqual([`nin: ${command}: option '${option}' needs a value, got an empty string (see nin ${command} --help)`]);
    }
  });
});

describe('an empty image path', () => {
  it('predict refuses it by position before reading anything', async () => {
    const result = await nin('predict', '--weights', 'w.safetensors', 'a.png', '');
    expect(result.code).toBe(1);
    expect(result.stderr).toEqual(["nin: predict: image 2 of 2 is an empty path"]);
  });
});
