/**
 * Command-line flags from a typed config schema: one `--kebab-case` option per field, parsed and
 * range-checked by the field's spec, with the default shown in `--help`. Every command whose
 * options are a config (`ml3 <experiment> train|test`, `ml3 plan`) uses these.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { ConfigSchema, FieldSpec } from '../run/experiment.js';

/** `checkpointEvery` → `checkpoint-every`. */
export function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Parses one flag value per its field spec; errors name the flag and what it accepts. */
export function parseField(raw: string, spec: FieldSpec, flag: string): number | boolean | string {
  switch (spec.type) {
    case 'boolean':
      if (raw === 'true' || raw === 'false') return raw === 'true';
      throw new InvalidArgumentError(`${flag} must be true or false, got "${raw}"`);
    case 'string':
      if ('choices' in spec && !spec.choices.includes(raw)) {
        throw new InvalidArgumentError(
          `${flag} must be one of ${spec.choices.join(', ')}, got "${raw}"`,
        );
      }
      return raw;
    default: {
      const n = Number(raw);
      const isInt = spec.type === 'int';
      const range = `${spec.min ?? '-∞'}..${spec.max ?? '∞'}`;
      if (raw.trim() === '' || !Number.isFinite(n) || (isInt && !Number.isInteger(n))) {
        throw new InvalidArgumentError(
          `${flag} must be ${isInt ? 'an integer' : 'a number'} in ${range}, got "${raw}"`,
        );
      }
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
        throw new InvalidArgumentError(`${flag} must be in ${range}, got ${n}`);
      }
      return n;
    }
  }
}

/** Adds one option per schema field, with the default shown in --help. */
export function addSchemaOptions(
  cmd: Command,
  schema: ConfigSchema<object>,
  defaults: object,
): void {
  for (const [key, spec] of Object.entries(schema) as [string, FieldSpec][]) {
    const flag = `--${kebab(key)}`;
    const value =
      spec.type === 'boolean'
        ? '<true|false>'
        : spec.type === 'string'
          ? '<text>'
          : `<${spec.type}>`;
    const option = new Option(`${flag} ${value}`, spec.doc)
      .default((defaults as Record<string, unknown>)[key])
      .argParser((raw: string) => parseField(raw, spec, flag));
    cmd.addOption(option);
  }
}

/** The config from parsed options (schema keys only). */
export function configFrom<C extends object>(
  opts: Record<string, unknown>,
  schema: ConfigSchema<C>,
): C {
  // Every key was parsed by its field's spec (addSchemaOptions), so the values have C's types.
  return Object.fromEntries(Object.keys(schema).map((k) => [k, opts[k]])) as C;
}
