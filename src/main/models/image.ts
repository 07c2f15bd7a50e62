/**
 * PNG and JPEG files to grayscale pixels, for prediction. pngjs and
 * jpeg-js are small, maintained, pure JavaScript: they run in any process
 * (the library worker decodes, so a hostile file never reaches the main
 * process), read exactly the formats users draw and photograph digits in,
 * and let the image's size be checked before its pixels are inflated,
 * which tfjs-node's decodeImage does not.
 */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { MAX_IMAGE_SIDE, toGrayscale, type GrayImage } from '@shared/preprocess';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** An image that cannot be read; the message says why. */
export class ImageError extends Error {
  override readonly name = 'ImageError';
}

function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

function checkSide(width: number, height: number): void {
  if (width < 1 || height < 1 || width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE) {
    throw new ImageError(`the image is ${width}×${height}; at most ${MAX_IMAGE_SIDE}×${MAX_IMAGE_SIDE} is read`);
  }
}

/** Decodes a PNG or JPEG to one gray byte a pixel. */
export function decodeImage(bytes: Uint8Array): GrayImage {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isPng(bytes)) {
    // IHDR is the first chunk: width and height sit at bytes 16–23, read before anything is inflated.
    if (bytes.length < 24) throw new ImageError('a PNG cut short before its header ends');
    checkSide(buffer.readUInt32BE(16), buffer.readUInt32BE(20));
    let png: PNG;
    try {
      png = PNG.sync.read(buffer);
    } catch (err) {
      throw new ImageError(`not a readable PNG (${(err as Error).message})`);
    }
    return toGrayscale(new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength), png.width, png.height, 4);
  }
  if (isJpeg(bytes)) {
    let img: { width: number; height: number; data: Uint8Array };
    try {
      img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: (MAX_IMAGE_SIDE * MAX_IMAGE_SIDE) / 1e6, maxMemoryUsageInMB: 256 });
    } catch (err) {
      throw new ImageError(`not a readable JPEG (${(err as Error).message})`);
    }
    checkSide(img.width, img.height);
    return toGrayscale(img.data, img.width, img.height, 4);
  }
  throw new ImageError('not a PNG or JPEG file');
}
