/**
 * `ml3/agents`: networks as pure functions of explicit parameters, the model-based stack and the
 * policy-gradient agent. Its contents arrive with the agent issues; today it re-exports nothing.
 */
export {};
