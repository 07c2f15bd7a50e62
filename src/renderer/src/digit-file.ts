import { IMAGE_SIZE, PIXELS } from '@shared/datasets';

/**
 * A data set's 28×28 image as a PNG file, ink as opacity in `ink` on a clear
 * background: what the drawing pad takes from a dropped file, so a test digit
 * opened from the map is read as if the user had drawn it.
 */
export async function digitFile(pixels: Uint8Array, name: string, ink = '#111111'): Promise<File | null> {
  const canvas = document.createElement('canvas');
  canvas.width = IMAGE_SIZE;
  canvas.height = IMAGE_SIZE;
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  ctx.fillStyle = ink;
  ctx.fillRect(0, 0, 1, 1);
  const [r, g, b] = ctx.getImageData(0, 0, 1, 1).data;
  const image = ctx.createImageData(IMAGE_SIZE, IMAGE_SIZE);
  for (let p = 0; p < PIXELS; p++) image.data.set([r!, g!, b!, pixels[p] ?? 0], p * 4);
  ctx.putImageData(image, 0, 0);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  return blob ? new File([blob], name, { type: 'image/png' }) : null;
}
