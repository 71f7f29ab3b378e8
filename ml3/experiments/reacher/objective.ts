/**
 * What a reacher learned loss is and what it is judged by: the objective (the task loss's space,
 * joint 0's wrap, M_φ's output activation) and the authors' M_φ architecture it modifies.
 */
import type { LearnedLossSpec } from '../../learnedLoss.js';

/**
 * How the task loss and M_φ's features measure the error to the goal. The authors' setting is
 * joint space with raw angles ({@link AUTHORS_OBJECTIVE}); but joint 0 turns freely (a random
 * initial policy spins the arm by up to 5 turns in 50 steps), so a raw joint-0 error of 30 rad
 * can belong to a fingertip at the target, and the test measures the fingertip.
 */
export interface ReacherObjective {
  /**
   * `joint`: the authors' 10‖q_H − q*‖ + mean_t ‖q_t − q*‖ + 1e-4 · mean_t ‖q̇_t‖; `fingertip`:
   * the same with the fingertip position p(q) and target p(q*) in place of q and q*. It also sets
   * M_φ's distance input d: ‖s_H − g‖ (joint) or ‖p_H − p*‖ in arm lengths (fingertip).
   * `joint-nearest`: the joint loss with q* at each step the nearer of the target's two
   * inverse-kinematics solutions (elbow bent either way, `mirrorJointGoals` in goals.ts); M_φ's error
   * state and d are taken to that solution too. A target near the base has solutions with the
   * elbow at about +2.5 and −2.5 rad, and `joint` insists on one of them, so an arm whose elbow
   * is folded the other way must swing it through 5 rad to lower the loss.
   */
  taskLoss: (typeof REACHER_TASK_LOSSES)[number];
  /** Wrap joint 0's error q0 − q0* to [−π, π) wherever the error state s − g is used. */
  wrapAngles: boolean;
  /**
   * M_φ's output activation (absent: the authors' `softplus`). `identity` leaves the learned loss
   * unbounded below: a softplus output can saturate (its input far below 0), where M_φ has no
   * gradient with respect to θ and a step on it moves the policy no more.
   */
  lossOutput?: (typeof REACHER_LOSS_OUTPUTS)[number];
}

/** The output activations a {@link ReacherObjective} can name (the CLI's choices, the file's check). */
export const REACHER_LOSS_OUTPUTS = ['softplus', 'identity'] as const;

/** The task losses a {@link ReacherObjective} can name (the CLI's choices, the loss file's check). */
export const REACHER_TASK_LOSSES = ['joint', 'fingertip', 'joint-nearest'] as const;

/** The authors' objective: joint-space task loss, raw angles. */
export const AUTHORS_OBJECTIVE: Readonly<ReacherObjective> = Object.freeze({
  taskLoss: 'joint',
  wrapAngles: false,
});

/** The authors' reacher learned loss: (s 4, a 2, d 1) / [1,1,8,8,1,1,1] → 400 → 400 → 1, ELU, softplus out. */
export const REACHER_LOSS: LearnedLossSpec = {
  inputs: ['q0Error', 'q1Error', 'qd0', 'qd1', 'a0', 'a1', 'finalDistance'],
  inputScale: [1, 1, 8, 8, 1, 1, 1],
  hidden: [400, 400],
  activation: 'elu',
  outputActivation: 'softplus',
  bias: true,
};

/** The learned loss's spec under an objective: {@link REACHER_LOSS} with its output activation. */
export function reacherLossSpec(objective: ReacherObjective): LearnedLossSpec {
  const output = objective.lossOutput ?? 'softplus';
  return output === REACHER_LOSS.outputActivation
    ? REACHER_LOSS
    : { ...REACHER_LOSS, outputActivation: output };
}
