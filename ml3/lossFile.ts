/**
 * Learned-loss files: one JSON document holding the architecture, input layout and
 * normalisation, weights, the training config and seed, and the package version. It loads
 * without the training code; loading validates every field and says what is wrong.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { ACTIVATIONS, paramCount, tensorsFromJson, tensorsToJson } from '../agents/index.js';
import { nodeBuiltin, writeFileAtomic } from '../envs/index.js';
import { type LearnedLossSpec, learnedLossMlp } from './learnedLoss.js';

const FORMAT = 'ml3-learned-loss';
const VERSION = 1;

/** A learned loss file's contents. */
export interface LearnedLossDocument {
  format: typeof FORMAT;
  version: number;
  spec: LearnedLossSpec;
  weights: { shape: number[]; values: number[] }[];
  /** What trained it: experiment name, config, seed. */
  training: { experiment: string; config: Record<string, unknown>; seed: number };
  packageVersion: string;
  savedAt: string;
  /**
   * What the experiment's test protocol needs besides φ (e.g. the optimizee's initial parameters
   * and the dynamics model), validated by that experiment when it loads the file.
   */
  context?: Record<string, unknown>;
}

/** A learned loss file that is unreadable, corrupt or of another format. */
export class LearnedLossFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LearnedLossFileError';
  }
}

/** Writes a learned loss (unbatched φ) atomically. */
export function saveLearnedLoss(
  path: string,
  spec: LearnedLossSpec,
  phi: readonly tf.Tensor[],
  training: LearnedLossDocument['training'],
  packageVersion: string,
  context?: Record<string, unknown>,
): void {
  const doc: LearnedLossDocument = {
    format: FORMAT,
    version: VERSION,
    spec,
    weights: tensorsToJson(phi),
    training,
    packageVersion,
    savedAt: new Date().toISOString(),
    ...(context ? { context } : {}),
  };
  writeFileAtomic(path, `${JSON.stringify(doc)}\n`);
}

/** Expected parameter shapes of a spec (unbatched). */
export function learnedLossShapes(spec: LearnedLossSpec): number[][] {
  const m = learnedLossMlp(spec);
  const shapes: number[][] = [];
  for (let l = 0; l + 1 < m.sizes.length; l++) {
    shapes.push([m.sizes[l]!, m.sizes[l + 1]!]);
    if (m.bias) shapes.push([m.sizes[l + 1]!]);
  }
  return shapes;
}

function checkSpec(spec: Partial<LearnedLossSpec> | undefined, path: string): LearnedLossSpec {
  const bad = (what: string) => new LearnedLossFileError(`corrupt learned loss ${path}: ${what}`);
  if (!spec || typeof spec !== 'object') throw bad('missing spec');
  if (
    !Array.isArray(spec.inputs) ||
    spec.inputs.length === 0 ||
    !spec.inputs.every((s) => typeof s === 'string')
  )
    throw bad('spec.inputs must be a list of input names');
  if (
    !Array.isArray(spec.inputScale) ||
    spec.inputScale.length !== spec.inputs.length ||
    !spec.inputScale.every((v) => typeof v === 'number' && v > 0)
  ) {
    throw bad('spec.inputScale must hold one positive number per input');
  }
  if (!Array.isArray(spec.hidden) || !spec.hidden.every((h) => Number.isInteger(h) && h > 0))
    throw bad('spec.hidden must be positive layer sizes');
  if (!(spec.activation! in ACTIVATIONS) || !(spec.outputActivation! in ACTIVATIONS)) {
    throw bad(`activations must be among ${Object.keys(ACTIVATIONS).join(', ')}`);
  }
  if (typeof spec.bias !== 'boolean') throw bad('spec.bias must be true or false');
  return spec as LearnedLossSpec;
}

/** Reads and validates a learned loss file; returns its spec, weights (tensors) and document. */
export function loadLearnedLoss(path: string): ParsedLearnedLoss {
  let doc: unknown;
  try {
    doc = JSON.parse(
      nodeBuiltin('node:fs', 'reading a learned-loss file').readFileSync(path, 'utf8'),
    );
  } catch (err) {
    throw new LearnedLossFileError(`cannot read learned loss ${path}: ${(err as Error).message}`);
  }
  return parseLearnedLoss(doc, path);
}

/** A validated learned loss: its spec, weights (tensors; dispose them) and document. */
export interface ParsedLearnedLoss {
  spec: LearnedLossSpec;
  phi: tf.Tensor[];
  document: LearnedLossDocument;
}

/**
 * Validates a learned-loss document already parsed from JSON (e.g. fetched in a browser).
 * @param source what the document is, for error messages (a path or a file name)
 */
export function parseLearnedLoss(value: unknown, source: string): ParsedLearnedLoss {
  const doc = value as Partial<LearnedLossDocument>;
  const path = source;
  if (doc?.format !== FORMAT)
    throw new LearnedLossFileError(
      `${path} is not a learned loss file (format ${JSON.stringify(doc?.format)}, expected "${FORMAT}")`,
    );
  if (doc.version !== VERSION)
    throw new LearnedLossFileError(
      `${path} has version ${doc.version}; this ml3 reads version ${VERSION}`,
    );
  const spec = checkSpec(doc.spec, path);
  if (!Array.isArray(doc.weights) || doc.weights.length !== paramCount(learnedLossMlp(spec))) {
    throw new LearnedLossFileError(
      `corrupt learned loss ${path}: expected ${paramCount(learnedLossMlp(spec))} weight tensors for its spec`,
    );
  }
  let phi: tf.Tensor[];
  try {
    phi = tensorsFromJson(doc.weights, learnedLossShapes(spec));
  } catch (err) {
    throw new LearnedLossFileError(`corrupt learned loss ${path}: ${(err as Error).message}`);
  }
  return { spec, phi, document: doc as LearnedLossDocument };
}

/**
 * The training config a learned-loss file records, read over `defaults`: each field of the
 * defaults takes the file's value when it has one of the same type (files written by older
 * versions may lack newer fields).
 */
export function trainingConfig<C extends object>(
  doc: LearnedLossDocument,
  defaults: Readonly<C>,
): C {
  const saved = doc.training.config;
  const out: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(defaults)) {
    if (typeof saved[key] === typeof value) out[key] = saved[key];
  }
  return out as C;
}
