export * from './base-log-probs';
export * from './quality-stats';
export * from './eval-chunks';
export * from './calibration-text';
export * from './bits-per-weight';
export * from './size-kld-chart';
