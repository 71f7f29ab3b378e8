/**
 * JSON through shared memory, for the parallel vector env: infos, reset arguments and errors
 * travel as UTF-8 JSON in fixed SharedArrayBuffer regions (no postMessage per step). Typed arrays
 * keep their type across the trip.
 */

const TYPED = { Float32Array, Float64Array, Int32Array, Uint8Array, Int8Array } as const;
type TypedName = keyof typeof TYPED;

/** JSON.stringify that encodes typed arrays as `{ $typed, data }`. */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const name = v.constructor.name as TypedName;
      if (name in TYPED)
        return { $typed: name, data: Array.from(v as unknown as ArrayLike<number>) };
    }
    if (typeof v === 'number' && !Number.isFinite(v)) return { $number: String(v) };
    return v;
  });
}

/** The inverse of {@link encodeJson}. */
export function decodeJson(text: string): unknown {
  return JSON.parse(text, (_key, v) => {
    if (v && typeof v === 'object' && typeof v.$typed === 'string' && Array.isArray(v.data)) {
      const ctor = TYPED[v.$typed as TypedName];
      if (ctor) return ctor.from(v.data as number[]);
    }
    if (v && typeof v === 'object' && typeof v.$number === 'string' && Object.keys(v).length === 1)
      return Number(v.$number);
    return v;
  });
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A fixed-size shared region holding one UTF-8 text at a time (length in the first 4 bytes). */
export class SharedText {
  private readonly length: Int32Array;
  private readonly bytes: Uint8Array;

  /** @param buffer a SharedArrayBuffer of at least 8 bytes; @param offset a multiple of 4 */
  constructor(buffer: SharedArrayBuffer, offset: number, size: number) {
    this.length = new Int32Array(buffer, offset, 1);
    this.bytes = new Uint8Array(buffer, offset + 4, size - 4);
  }

  /** Bytes needed for a region that holds `capacity` bytes of text. */
  static size(capacity: number): number {
    return 4 + Math.ceil(capacity / 4) * 4;
  }

  write(text: string): void {
    const encoded = encoder.encode(text);
    if (encoded.length > this.bytes.length) {
      throw new RangeError(
        `shared text of ${encoded.length} bytes exceeds its region of ${this.bytes.length} bytes (raise infoBytes)`,
      );
    }
    this.bytes.set(encoded);
    Atomics.store(this.length, 0, encoded.length);
  }

  read(): string {
    const n = Atomics.load(this.length, 0);
    // TextDecoder cannot read shared memory directly: copy the bytes out first.
    return decoder.decode(this.bytes.slice(0, n));
  }
}
