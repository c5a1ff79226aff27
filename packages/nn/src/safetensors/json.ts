/**
 * A small strict JSON (RFC 8259) parser for safetensors headers. Unlike `JSON.parse`
 * it keeps object keys in file order (integer-like keys included), refuses duplicate
 * keys, and bounds nesting depth, so a hostile header cannot reorder, shadow or
 * overflow the stack.
 */

/** A parsed JSON value; objects are Maps so that key order is exactly the file's. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;

/** A parsed JSON object, keys in file order. */
export interface JsonObject extends Map<string, JsonValue> {}

/** Thrown by {@link parseJson}; `position` is a character index into the text. */
export class JsonSyntaxError extends Error {
  /**
   * @param message - What is wrong.
   * @param position - Character index in the parsed text.
   */
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'JsonSyntaxError';
  }
}

const MAX_DEPTH = 64;

class Parser {
  private pos = 0;

  constructor(private readonly text: string) {}

  parseDocument(): JsonValue {
    this.skipWhitespace();
    const value = this.parseValue(0);
    this.skipWhitespace();
    if (this.pos < this.text.length) this.fail(`unexpected ${this.describeHere()} after the JSON value`);
    return value;
  }

  private fail(message: string, at: number = this.pos): never {
    throw new JsonSyntaxError(message, at);
  }

  private describeHere(): string {
    if (this.pos >= this.text.length) return 'end of input';
    return `character ${JSON.stringify(this.text[this.pos])}`;
  }

  private skipWhitespace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      this.pos++;
    }
  }

  private expect(ch: string): void {
    if (this.text[this.pos] !== ch) this.fail(`expected ${JSON.stringify(ch)} but found ${this.describeHere()}`);
    this.pos++;
  }

  private parseValue(depth: number): JsonValue {
    const c = this.text[this.pos];
    switch (c) {
      case '{':
        return this.parseObject(depth + 1);
      case '[':
        return this.parseArray(depth + 1);
      case '"':
        return this.parseString();
      case 't':
        return this.parseLiteral('true', true);
      case 'f':
        return this.parseLiteral('false', false);
      case 'n':
        return this.parseLiteral('null', null);
      default:
        if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.parseNumber();
        return this.fail(`unexpected ${this.describeHere()}, expected a value`);
    }
  }

  private checkDepth(depth: number): void {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH} levels`);
  }

  private parseObject(depth: number): JsonObject {
    this.checkDepth(depth);
    const start = this.pos;
    this.pos++; // '{'
    const out: JsonObject = new Map<string, JsonValue>();
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.fail(`expected a string key but found ${this.describeHere()}`);
      const keyAt = this.pos;
      const key = this.parseString();
      if (out.has(key)) this.fail(`duplicate key ${JSON.stringify(key)}`, keyAt);
      this.skipWhitespace();
      this.expect(':');
      this.skipWhitespace();
      out.set(key, this.parseValue(depth));
      this.skipWhitespace();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === '}') {
        this.pos++;
        return out;
      }
      if (c === undefined) this.fail(`unterminated object starting at character ${start}`);
      this.fail(`expected "," or "}" but found ${this.describeHere()}`);
    }
  }

  private parseArray(depth: number): JsonValue[] {
    this.checkDepth(depth);
    const start = this.pos;
    this.pos++; // '['
    const out: JsonValue[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWhitespace();
      out.push(this.parseValue(depth));
      this.skipWhitespace();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === ']') {
        this.pos++;
        return out;
      }
      if (c === undefined) this.fail(`unterminated array starting at character ${start}`);
      this.fail(`expected "," or "]" but found ${this.describeHere()}`);
    }
  }

  private parseLiteral<T extends JsonValue>(word: string, value: T): T {
    if (this.text.startsWith(word, this.pos)) {
      this.pos += word.length;
      return value;
    }
    return this.fail(`unexpected ${this.describeHere()}, expected a value`);
  }

  private parseNumber(): number {
    const re = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (m === null || m[0] === '-') this.fail('malformed number');
    this.pos += m[0].length;
    return Number(m[0]);
  }

  private parseString(): string {
    const start = this.pos;
    this.pos++; // opening quote
    const t = this.text;
    let out = '';
    let runStart = this.pos;
    for (;;) {
      if (this.pos >= t.length) this.fail(`unterminated string starting at character ${start}`);
      const c = t.charCodeAt(this.pos);
      if (c === 0x22) {
        out += t.slice(runStart, this.pos);
        this.pos++;
        return out;
      }
      if (c < 0x20) this.fail('unescaped control character in string');
      if (c !== 0x5c) {
        this.pos++;
        continue;
      }
      out += t.slice(runStart, this.pos);
      out += this.parseEscape();
      runStart = this.pos;
    }
  }

  private parseEscape(): string {
    const at = this.pos;
    const c = this.text[this.pos + 1];
    this.pos += 2;
    switch (c) {
      case '"':
        return '"';
      case '\\':
        return '\\';
      case '/':
        return '/';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'u': {
        const hex = this.text.slice(this.pos, this.pos + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('invalid \\u escape', at);
        this.pos += 4;
        return String.fromCharCode(parseInt(hex, 16));
      }
      default:
        return this.fail('invalid escape sequence', at);
    }
  }
}

/**
 * Parses strict JSON text.
 *
 * @param text - The JSON document.
 * @returns The parsed value (objects as ordered Maps).
 * @throws {@link JsonSyntaxError} on malformed input, duplicate keys or excessive nesting.
 */
export function parseJson(text: string): JsonValue {
  return new Parser(text).parseDocument();
}

/**
 * Names the JSON type of a value, for error messages.
 *
 * @param value - A parsed JSON value.
 * @returns `"null"`, `"boolean"`, `"number"`, `"string"`, `"array"` or `"object"`.
 */
export function jsonTypeName(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Map) return 'object';
  return typeof value;
}
