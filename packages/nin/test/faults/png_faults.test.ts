/**
 * PNG files that are bombs (huge declared size), corrupt (no, bad or short image data) or cut
 * short: each refused naming the file, in our words, before anything is expanded; and the
 * valid variants the checks must not refuse (interlaced, sub-byte and 16-bit depths).
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_IMAGE_PIXELS } from '../../src/data/limits.js';
import { crc32 } from '../../src/predict/crc32.js';
import { readImages } from '../../src/predict/read_images.js';
import { chunk, concat, faultDir, grayPng, ihdr, interlacedGrayPng, pngFile, rawRows, rssMb, words } from './builders.js';

let dir = '';
beforeAll(async () => {
  dir = await faultDir('png');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function file(name: string, bytes: Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

/** pngjs's own messages, none of which may reach a user. */
const PNGJS_WORDS = /waitng|Unrecognised|Crc error|Invalid file signature|bad png|Expected|Unsupported|unrecognised content/;

/** Reading `path` fails with a message that starts with the path and matches `pattern`, in our words. */
async function refused(path: string, pattern: RegExp): Promise<string> {
  const error = await readImages(path).then(() => undefined, (e: unknown) => e as Error);
  expect(error, `${path} was accepted`).toBeInstanceOf(Error);
  const message = (error as Error).message;
  expect(message.startsWith(`${path}: `)).toBe(true);
  expect(message).toMatch(pattern);
  expect(message).not.toMatch(PNGJS_WORDS);
  return message;
}

const pixel = (x: number, y: number): number => (x * 9 + y * 31) % 256;
const raw28 = rawRows(28, 28, pixel);

describe('a PNG decompression bomb is refused before it is expanded', () => {
  // 16 MiB of zeros deflated: a real zlib stream, a small piece of what 20000x20000 would need
  const idat = deflateSync(new Uint8Array(16 * 1024 * 1024), { level: 9 });

  it('a header declaring 20000x20000 is refused from the header, naming the cap and how to raise it', async () => {
    const path = await file('bomb.png', pngFile(ihdr(20000, 20000), chunk('IDAT', idat)));
    const before = rssMb();
    const message = await refused(path, /PNG declares 20000x20000 = 400000000 pixels, past the cap/);
    expect(message).toBe(
      `${path}: PNG declares 20000x20000 = 400000000 pixels, past the cap of ${DEFAULT_MAX_IMAGE_PIXELS} pixels; ` +
        'if the image is genuine, set TAPEGRAD_MAX_IMAGE_PIXELS=N (or the maxPixels option)',
    );
    expect(rssMb() - before).toBeLessThan(50);
  });

  it('the same header with a 100-byte IDAT is refused, and with the cap raised is still no black image', async () => {
    const path = await file('bomb-100.png', pngFile(ihdr(20000, 20000), chunk('IDAT', new Uint8Array(100))));
    await refused(path, /past the cap of 16777216 pixels/);
    const raised = { env: { TAPEGRAD_MAX_IMAGE_PIXELS: '400000000' } };
    await expect(readImages(path, raised)).rejects.toThrow(`${path}: corrupt PNG image: its image data (IDAT) is not a valid zlib stream`);
    const short = await file('bomb-short.png', pngFile(ihdr(20000, 20000), chunk('IDAT', idat)));
    const before = rssMb();
    await expect(readImages(short, { maxPixels: 400_000_000 })).rejects.toThrow(
      `${short}: corrupt PNG image: its image data (IDAT) holds 16777216 bytes, a 20000x20000 image needs 400020000`,
    );
    // the check counts the inflated bytes without keeping them
    expect(rssMb() - before).toBeLessThan(100);
    await expect(readImages(short, { env: { TAPEGRAD_MAX_IMAGE_PIXELS: 'lots' } })).rejects.toThrow("TAPEGRAD_MAX_IMAGE_PIXELS must be a positive integer, got 'lots'");
  });

  it('image data that inflates past the declared size is refused after one chunk too many', async () => {
    const path = await file('overlong.png', pngFile(ihdr(28, 28), chunk('IDAT', deflateSync(concat(raw28, new Uint8Array(50_000_000))))));
    await refused(path, /corrupt PNG image: its image data \(IDAT\) holds more than the 812 bytes a 28x28 image needs$/);
  });
});

describe('a corrupt PNG is refused naming the file, never decoded as a black image', () => {
  it('no IDAT chunk', async () => {
    await refused(await file('no-idat.png', pngFile(ihdr(28, 28))), /: corrupt PNG image: it holds no image data \(no IDAT chunk\)$/);
  });

  it('an IDAT that is not zlib', async () => {
    await refused(await file('not-zlib.png', pngFile(ihdr(28, 28), chunk('IDAT', new TextEncoder().encode('hello, not zlib')))), /its image data \(IDAT\) is not a valid zlib stream$/);
  });

  it('an IDAT cut short inside the zlib stream', async () => {
    await refused(await file('cut-zlib.png', pngFile(ihdr(28, 28), chunk('IDAT', deflateSync(raw28).subarray(0, 20)))), /its image data \(IDAT\) ends early: \d+ of the 812 bytes a 28x28 image needs$/);
  });

  it('a complete zlib stream with too few bytes for the image', async () => {
    await refused(await file('few-rows.png', pngFile(ihdr(28, 28), chunk('IDAT', deflateSync(raw28.subarray(0, 100))))), /its image data \(IDAT\) holds 100 bytes, a 28x28 image needs 812$/);
  });

  it('a zero-width or zero-height image', async () => {
    await refused(await file('zero-width.png', pngFile(ihdr(0, 28), chunk('IDAT', deflateSync(raw28)))), /: PNG declares a 0x28 image, which has no pixels$/);
    await refused(await file('zero-height.png', pngFile(ihdr(28, 0), chunk('IDAT', deflateSync(raw28)))), /: PNG declares a 28x0 image, which has no pixels$/);
  });

  it('a truncated file, inside a chunk or before IEND', async () => {
    const good = grayPng(28, 28, pixel);
    await refused(await file('cut-60.png', good.subarray(0, 60)), /: truncated PNG image: the file ends after 60 bytes, inside its IDAT chunk$/);
    await refused(await file('no-iend.png', good.subarray(0, good.length - 12)), new RegExp(`: truncated PNG image: the file ends after ${good.length - 12} bytes, before its IEND chunk$`));
    await refused(await file('signature-only.png', good.subarray(0, 8)), /: truncated PNG image: the file ends after 8 bytes, before its IEND chunk$/);
  });

  it('a checksum that does not match, a bad header, a missing or oversized palette, a bad row filter', async () => {
    await refused(await file('bad-crc.png', pngFile(ihdr(28, 28), chunk('IDAT', deflateSync(raw28), true))), /: corrupt PNG image: the checksum \(CRC\) of its IDAT chunk at byte 33 does not match$/);
    await refused(await file('depth-3.png', pngFile(ihdr(28, 28, { depth: 3 }), chunk('IDAT', deflateSync(raw28)))), /: corrupt PNG image: bit depth 3 is not allowed with colour type 0$/);
    await refused(await file('no-plte.png', pngFile(ihdr(28, 28, { colourType: 3 }), chunk('IDAT', deflateSync(raw28)))), /: corrupt PNG image: it uses a palette \(colour type 3\) but has no PLTE chunk$/);
    await refused(await file('idat-first.png', concat(grayPng(1, 1, pixel).subarray(0, 8), chunk('IDAT', deflateSync(raw28)))), /: corrupt PNG image: it starts with a IDAT chunk, not IHDR$/);
    // PIL refuses these too: a palette longer than an 8-bit index reaches, or not whole RGB entries.
    await refused(await file('long-plte.png', pngFile(ihdr(28, 28, { colourType: 3 }), chunk('PLTE', new Uint8Array(3 * 300)), chunk('IDAT', deflateSync(raw28)))),
      /: corrupt PNG image: its palette \(PLTE\) has 900 bytes, not 3 per entry for 1 to 256 entries$/);
    await refused(await file('ragged-plte.png', pngFile(ihdr(28, 28, { colourType: 3 }), chunk('PLTE', new Uint8Array(10)), chunk('IDAT', deflateSync(raw28)))),
      /: corrupt PNG image: its palette \(PLTE\) has 10 bytes, not 3 per entry for 1 to 256 entries$/);
    await refused(await file('long-plte-2bit.png', pngFile(ihdr(28, 28, { colourType: 3, depth: 2 }), chunk('PLTE', new Uint8Array(3 * 5)), chunk('IDAT', deflateSync(raw28)))),
      /: corrupt PNG image: its palette \(PLTE\) has 15 bytes, not 3 per entry for 1 to 4 entries$/);
    const badFilter = Uint8Array.from(raw28);
    badFilter[29] = 9;
    await refused(await file('bad-filter.png', pngFile(ihdr(28, 28), chunk('IDAT', deflateSync(badFilter)))), /: corrupt PNG image: its pixel data cannot be decoded/);
  });
});

describe('valid PNG variants still decode', () => {
  it('CRC-32 matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('an Adam7-interlaced image decodes to the same pixels as the plain one (odd sizes)', async () => {
    for (const [w, h] of [[28, 28], [13, 7], [1, 1], [3, 9]]) {
      const [plain] = await readImages(await file(`plain-${w}x${h}.png`, grayPng(w, h, pixel)));
      const [interlaced] = await readImages(await file(`adam7-${w}x${h}.png`, interlacedGrayPng(w, h, pixel)));
      expect(plain.pixels).toEqual(Uint8Array.from({ length: w * h }, (_, p) => pixel(p % w, Math.floor(p / w))));
      expect(interlaced.pixels).toEqual(plain.pixels);
    }
  });

  it('1-bit and 16-bit grey, split IDAT chunks and bytes after IEND', async () => {
    // 10x2 at 1 bit: each row is a filter byte and 2 bytes (10 bits padded); pixel on = 255
    const oneBit = pngFile(ihdr(10, 2, { depth: 1 }), chunk('IDAT', deflateSync(Uint8Array.of(0, 0b10100000, 0b01000000, 0, 0xff, 0xc0))));
    const [bits] = await readImages(await file('one-bit.png', oneBit));
    expect(Array.from(bits.pixels)).toEqual([255, 0, 255, 0, 0, 0, 0, 0, 0, 255, ...new Array<number>(10).fill(255)]);
    const sixteen = deflateSync(Uint8Array.of(0, 0xff, 0xff, 0, 0, 0, 0, 0, 0xff, 0xff));
    const [wide] = await readImages(await file('sixteen.png', pngFile(ihdr(2, 2, { depth: 16 }), chunk('IDAT', sixteen.subarray(0, 5)), chunk('IDAT', sixteen.subarray(5)))));
    expect(Array.from(wide.pixels)).toEqual([255, 0, 0, 255]);
    const trailing = concat(grayPng(28, 28, pixel), words(0xdeadbeef));
    expect((await readImages(await file('trailing.png', trailing)))[0].pixels[1]).toBe(pixel(1, 0));
  });
});
