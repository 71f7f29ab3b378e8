/**
 * A reacher learned-loss file's test context: what the held-out protocol needs besides φ (the
 * policy's initial parameters, the trained dynamics ensemble or "twin", the horizon and the test's
 * SGD settings), so that `ml3 eval` judges the file without its run folder.
 */
import type * as tf from '@tensorflow/tfjs-core';
import {
  DynamicsEnsemble,
  type DynamicsEnsembleJson,
  type Params,
  reacherTwin,
  tensorsFromJson,
} from '../../../agents/index.js';
import { REACHER_DEFAULTS, RNG } from '../../../envs/index.js';
import {
  LearnedLossFileError,
  loadLearnedLoss,
  type ParsedLearnedLoss,
  parseLearnedLoss,
} from '../../lossFile.js';
import {
  REACHER_INITIAL_POLICIES,
  type ReacherInitialPolicy,
  reacherInitialPolicy,
} from './initialPolicies.js';
import {
  AUTHORS_OBJECTIVE,
  REACHER_LOSS_OUTPUTS,
  REACHER_TASK_LOSSES,
  type ReacherObjective,
} from './objective.js';
import type { ReacherDynamics } from './task.js';

/** What the test protocol needs besides φ, stored in the learned-loss file. */
export interface ReacherLossContext {
  theta0: unknown;
  /** The trained ensemble, or "twin" for the arm's exact equations. */
  dynamics: DynamicsEnsembleJson | 'twin';
  /** Ensemble rollouts per member. */
  perMember: boolean;
  horizon: number;
  innerLr: number;
  testSteps: number;
  /** The objective φ was meta-trained with (files written before it existed: the authors'). */
  objective?: ReacherObjective;
  /** Where the test's policies start (files written before it existed: `fixed`, θ₀). */
  initialPolicy?: ReacherInitialPolicy;
}

/** A loaded reacher learned loss with its context; `dispose()` frees φ, θ₀ and the model. */
export interface ReacherLossFile {
  phi: tf.Tensor[];
  theta0: Params;
  dynamics: ReacherDynamics;
  /** M_φ's features and the task loss (the context's, or the authors' for older files). */
  objective: ReacherObjective;
  /** Where the test's policies start (the context's; `fixed` for older files). */
  initialPolicy: ReacherInitialPolicy;
  context: ReacherLossContext;
  dispose(): void;
}

/** Loads a reacher learned-loss file; throws `LearnedLossFileError` on a file of another kind. */
export function loadReacherLossFile(path: string): ReacherLossFile {
  return reacherLossFile(loadLearnedLoss(path), path);
}

/**
 * A reacher learned-loss document already parsed from JSON (e.g. fetched in a browser).
 * @param source what the document is, for error messages
 */
export function parseReacherLossFile(value: unknown, source: string): ReacherLossFile {
  return reacherLossFile(parseLearnedLoss(value, source), source);
}

function reacherLossFile({ phi, document }: ParsedLearnedLoss, path: string): ReacherLossFile {
  const c = document.context as Partial<ReacherLossContext> | undefined;
  try {
    if (document.training?.experiment !== 'reacher' || !c || typeof c !== 'object') {
      throw new LearnedLossFileError(
        `${path} is not a learned loss of the reacher experiment (it has no reacher test context)`,
      );
    }
    const { theta0, dynamics, objective, initialPolicy } = readContext(c, path);
    return {
      phi,
      theta0,
      dynamics,
      objective,
      initialPolicy,
      context: c as ReacherLossContext,
      dispose() {
        for (const t of [...phi, ...theta0]) t.dispose();
        if (dynamics.kind === 'ensemble') dynamics.model.dispose();
      },
    };
  } catch (err) {
    for (const t of phi) t.dispose();
    throw err;
  }
}

function readContext(
  c: Partial<ReacherLossContext>,
  path: string,
): {
  theta0: Params;
  dynamics: ReacherDynamics;
  objective: ReacherObjective;
  initialPolicy: ReacherInitialPolicy;
} {
  let theta0: Params = [];
  try {
    const objective = readReacherObjective(c.objective);
    const initialPolicy = c.initialPolicy ?? 'fixed';
    if (!REACHER_INITIAL_POLICIES.includes(initialPolicy))
      throw new RangeError(
        `context.initialPolicy must be one of ${REACHER_INITIAL_POLICIES.map((k) => `"${k}"`).join(', ')}, got ${JSON.stringify(c.initialPolicy)}`,
      );
    for (const key of ['horizon', 'innerLr', 'testSteps'] as const) {
      if (typeof c[key] !== 'number' || !Number.isFinite(c[key]))
        throw new RangeError(`context.${key} must be a number`);
    }
    const shapes = reacherInitialPolicy(0);
    theta0 = tensorsFromJson(
      c.theta0,
      shapes.map((p) => p.shape),
    );
    for (const t of shapes) t.dispose();
    const dynamics: ReacherDynamics =
      c.dynamics === 'twin'
        ? { kind: 'twin', twin: reacherTwin(REACHER_DEFAULTS) }
        : {
            kind: 'ensemble',
            model: DynamicsEnsemble.fromJSON(c.dynamics as DynamicsEnsembleJson, new RNG(0)),
            perMember: c.perMember === true,
          };
    return { theta0, dynamics, objective, initialPolicy };
  } catch (err) {
    for (const t of theta0) t.dispose(); // a bad dynamics model after a good θ₀
    throw new LearnedLossFileError(
      `corrupt reacher learned loss ${path}: ${(err as Error).message}`,
    );
  }
}

/**
 * A reacher file context's objective, checked (throws a RangeError naming what is allowed);
 * absent (files older than the setting): the authors'.
 */
export function readReacherObjective(value: unknown): ReacherObjective {
  if (value === undefined) return AUTHORS_OBJECTIVE;
  const o = value as Partial<ReacherObjective>;
  if (
    typeof o !== 'object' ||
    o === null ||
    !(REACHER_TASK_LOSSES as readonly unknown[]).includes(o.taskLoss) ||
    typeof o.wrapAngles !== 'boolean' ||
    (o.lossOutput !== undefined &&
      !(REACHER_LOSS_OUTPUTS as readonly unknown[]).includes(o.lossOutput))
  ) {
    throw new RangeError(
      `context.objective must be { taskLoss: "joint" | "fingertip" | "joint-nearest", wrapAngles: boolean, lossOutput?: "softplus" | "identity" }, got ${JSON.stringify(value)}`,
    );
  }
  const objective: ReacherObjective = {
    taskLoss: o.taskLoss as ReacherObjective['taskLoss'],
    wrapAngles: o.wrapAngles,
  };
  if (o.lossOutput !== undefined) objective.lossOutput = o.lossOutput;
  return objective;
}
