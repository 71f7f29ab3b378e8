/**
 * The parallel vector env's info channel. Infos whose values are all Float64Array or Uint8Array
 * (numbers and booleans batched by `addInfo`, with their `_key` masks: the common case, e.g. the
 * reacher's `rewardDist`) travel as raw numbers in a shared Float64Array; only their key list is
 * sent as text, and only when it changes. Anything else goes as JSON.
 */
import { NUMERIC_INFO_KEYS } from './sharedLayout.js';
import { decodeJson, encodeJson, type SharedText } from './sharedText.js';

type Signature = [key: string, kind: 'f64' | 'u8'][];

const NUMERIC = '#N';

function signatureOf(infos: Record<string, unknown>): Signature | undefined {
  const sig: Signature = [];
  for (const [key, value] of Object.entries(infos)) {
    if (value instanceof Float64Array) sig.push([key, 'f64']);
    else if (value instanceof Uint8Array) sig.push([key, 'u8']);
    else return undefined;
  }
  return sig.length <= NUMERIC_INFO_KEYS ? sig : undefined;
}

/** Worker side: writes a chunk's batched infos. */
export class InfoWriter {
  private last = '';

  constructor(
    private readonly text: SharedText,
    private readonly numeric: Float64Array,
    private readonly count: number,
  ) {}

  write(infos: Record<string, unknown>): void {
    const keys = Object.keys(infos);
    if (keys.length === 0) {
      this.text.write('');
      return;
    }
    const sig = signatureOf(infos);
    if (!sig) {
      this.last = '';
      this.text.write(encodeJson(infos));
      return;
    }
    sig.forEach(([key], row) => {
      this.numeric.set(infos[key] as ArrayLike<number>, row * this.count);
    });
    const encoded = JSON.stringify(sig);
    // The key list goes only when it changes; otherwise the bare marker.
    this.text.write(encoded === this.last ? NUMERIC : `${NUMERIC}${encoded}`);
    this.last = encoded;
  }
}

/** Main side: reads a worker's infos (batched over its chunk). */
export class InfoReader {
  private signature: Signature = [];

  constructor(
    private readonly text: SharedText,
    private readonly numeric: Float64Array,
    private readonly count: number,
  ) {}

  read(): Record<string, unknown> | undefined {
    const t = this.text.read();
    if (!t) return undefined;
    if (!t.startsWith(NUMERIC)) return decodeJson(t) as Record<string, unknown>;
    if (t.length > NUMERIC.length)
      this.signature = JSON.parse(t.slice(NUMERIC.length)) as Signature;
    const infos: Record<string, unknown> = {};
    this.signature.forEach(([key, kind], row) => {
      const values = this.numeric.subarray(row * this.count, (row + 1) * this.count);
      infos[key] = kind === 'f64' ? Float64Array.from(values) : Uint8Array.from(values);
    });
    return infos;
  }
}
