/**
 * Hands the user a file made in the page (a chart's PNG, a run's CSV): an
 * anchor with `download` on an object URL. Browsers save it to their
 * downloads; the desktop app's Electron asks where, with its own dialog.
 */
export function saveFile(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = fileName;
  anchor.hidden = true;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  // Revoked once the download surely has the bytes (at once can cancel it); kept, the URL would hold them for the page's life.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A file name from parts a run is known by: letters, digits, dots, dashes and underscores only. */
export function fileNameOf(...parts: string[]): string {
  return parts
    .map((p) => p.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, ''))
    .filter(Boolean)
    .join('-');
}
