// snappyjs ships no types; the two functions used here.
declare module 'snappyjs' {
  /** Snappy block format. Throws when the declared uncompressed length exceeds maxLength or the stream is invalid. */
  export function uncompress(compressed: Uint8Array, maxLength?: number): Uint8Array;
  export function compress(uncompressed: Uint8Array): Uint8Array;
  const SnappyJS: { uncompress: typeof uncompress; compress: typeof compress };
  export default SnappyJS;
}
