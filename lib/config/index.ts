export * from './aws-regions';
export * from './cidr';
export * from './delivery';
export * from './gpu-catalog';
export * from './naming';
export * from './tags';
export * from './types';
export * from './validate';
