/** CRC-32 (ISO-HDLC: polynomial 0xEDB88320 reflected, as PNG and gzip use), for PNG chunk checks. */

/** `TABLE[n]` = CRC of the byte `n` alone: 8 shift-and-xor steps of the reflected polynomial. */
const TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

/** CRC-32 of `bytes`, as an unsigned 32-bit number (`crc32('123456789')` = 0xCBF43926). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  // one table step per byte: c = TABLE[(c ^ b) & 0xff] ^ (c >>> 8)
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
