/**
 * The model agent's release: the image is `mlops/model-agent:<MODEL_AGENT_VERSION>` in each
 * environment's registry (ECR / ACR). Tags are immutable there, so every change to the agent that
 * ships bumps this version (semantic versioning); see docs/operations.md for build and push.
 */
export const MODEL_AGENT_VERSION = '1.1.0';

/** Repository of the agent image in each environment's registry. */
export const MODEL_AGENT_REPOSITORY = 'mlops/model-agent';

/** The agent image reference relative to a registry host: `mlops/model-agent:1.1.0`. */
export const MODEL_AGENT_IMAGE = `${MODEL_AGENT_REPOSITORY}:${MODEL_AGENT_VERSION}`;
