/**
 * The cloud-neutral model-serving workload (cdk8s): lib/aws applies its objects through the EKS
 * kubectl handler, lib/azure writes them as YAML for the AKS Flux extension.
 */

export { EVENT_LOGGER_VERBS } from './events';
export * from './names';
export { AGENT_RESOURCES, MODEL_DEFAULTS } from './pods';
export * from './props';
export { collectorConfig, collectorEnv, TELEMETRY_DEFAULTS } from './telemetry';
export { checkImageRef, isUnresolved, ServingWorkloadError } from './validate';
export { AKS_SPOT_TOLERATION, JOB_DEFAULTS, ServingWorkload, WORKLOAD_DEFAULTS } from './workload';
