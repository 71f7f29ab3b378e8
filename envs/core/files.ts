/** Atomic file writes (temp file + rename), used wherever the package writes results. */
import { nodeBuiltin } from './nodeBuiltins.js';

/**
 * Writes a file atomically: a temp file in the same folder, then a rename, so a crash leaves
 * either the old file or the new one, never half of one.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const { mkdirSync, renameSync, writeFileSync } = nodeBuiltin('node:fs', 'writing files');
  const { dirname } = nodeBuiltin('node:path', 'writing files');
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}
