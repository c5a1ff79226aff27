/** Minimal SVG building blocks: escaped text and elements from attribute records. */

/** Escapes `&`, `<`, `>` and `"` for SVG text and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Attribute values: numbers are written with at most two decimals. */
export type Attributes = Readonly<Record<string, string | number>>;

function formatAttributes(attributes: Attributes): string {
  return Object.entries(attributes)
    .map(([name, value]) => ` ${name}="${typeof value === 'number' ? round(value) : escapeXml(value)}"`)
    .join('');
}

/** `value` with at most two decimals, without trailing zeros. */
export function round(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** An element: `<name attrs/>`, or `<name attrs>children</name>` with already-built children. */
export function element(name: string, attributes: Attributes, children: readonly string[] = []): string {
  if (children.length === 0) return `<${name}${formatAttributes(attributes)}/>`;
  return `<${name}${formatAttributes(attributes)}>${children.join('')}</${name}>`;
}

/** A text element holding `text` (escaped). */
export function text(attributes: Attributes, content: string): string {
  return `<text${formatAttributes(attributes)}>${escapeXml(content)}</text>`;
}
