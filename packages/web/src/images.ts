/**
 * Images the user chose, as the model's gray pixels: PNG or JPEG decoded by the browser (colour
 * left as stored), converted to one channel as nin's `rgbaToGray` (PIL's `convert('L')`).
 */
import { rgbaToGray, type GrayImage } from '@tapegrad/nin';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];

/** Largest image side accepted (a decoded image lives in the page's memory four bytes a pixel). */
export const MAX_IMAGE_SIDE = 8192;

function startsWith(bytes: Uint8Array, signature: readonly number[]): boolean {
  return signature.every((byte, i) => bytes[i] === byte);
}

/** `'png'`, `'jpeg'`, or null for anything else, judged by the first bytes (not the name). */
export function imageKind(bytes: Uint8Array): 'png' | 'jpeg' | null {
  if (startsWith(bytes, PNG_SIGNATURE)) return 'png';
  if (startsWith(bytes, JPEG_SIGNATURE)) return 'jpeg';
  return null;
}

/**
 * Decodes the file `name` holding `bytes` into a gray image.
 * @throws naming `name` when it is not a PNG or JPEG, cannot be decoded, or is too large
 */
export async function decodeImage(name: string, bytes: Uint8Array): Promise<GrayImage> {
  const kind = imageKind(bytes);
  if (kind === null) throw new Error(`${name}: not a PNG or JPEG image (its first bytes are neither signature)`);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: `image/${kind}` }), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch (error) {
    throw new Error(`${name}: the ${kind.toUpperCase()} could not be decoded (${error instanceof Error ? error.message : String(error)})`);
  }
  try {
    const { width, height } = bitmap;
    if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE) throw new Error(`${name}: ${width}x${height} is larger than ${MAX_IMAGE_SIDE}x${MAX_IMAGE_SIDE}`);
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d');
    if (!context) throw new Error(`${name}: this browser gave no 2D canvas to read the pixels`);
    context.drawImage(bitmap, 0, 0);
    const rgba = new Uint8Array(context.getImageData(0, 0, width, height).data.buffer);
    return { source: name, index: 0, width, height, pixels: rgbaToGray(rgba, width, height) };
  } finally {
    bitmap.close();
  }
}

/** Draws a gray image into a new canvas (thumbnails). */
export function grayCanvas(image: GrayImage, scale = 2): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = image.width;
  canvas.height = image.height;
  canvas.style.width = `${image.width * scale}px`;
  canvas.style.height = `${image.height * scale}px`;
  const context = canvas.getContext('2d');
  if (context) {
    const data = context.createImageData(image.width, image.height);
    image.pixels.forEach((v, i) => data.data.set([v, v, v, 255], 4 * i));
    context.putImageData(data, 0, 0);
  }
  return canvas;
}
