/** Assembles `agents/nn/kernels.wat` with wabt (a dev dependency: used by the build script and a test). */
import wabtInit from 'wabt';

/** The module's bytes: SIMD enabled, validated, no names section (deterministic output). */
export async function assembleKernelsWat(source: string): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const module = wabt.parseWat('kernels.wat', source, { simd: true });
  try {
    module.validate();
    return new Uint8Array(module.toBinary({ write_debug_names: false }).buffer);
  } finally {
    module.destroy();
  }
}
