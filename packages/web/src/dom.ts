/** Small DOM helpers: elements by their `data-testid` (the names README.md lists) and messages. */

/** The element whose `data-testid` is `id`. */
export function byTestId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.querySelector<T>(`[data-testid="${id}"]`);
  if (!element) throw new Error(`page: no element with data-testid "${id}"`);
  return element;
}

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Shows `message` in the message element `id` (empty hides it). */
export function say(id: string, message: string): void {
  const element = byTestId(id);
  element.textContent = message;
  element.hidden = message === '';
}

/** Waits for the next frame, so the page repaints and handles clicks between long steps. */
export function nextFrame(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => resolve()));
}

/** Offers `bytes` as a download named `name`. */
export function download(bytes: Uint8Array, name: string): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
