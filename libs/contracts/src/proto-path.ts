import { join } from 'node:path';

/** Absolute path of the inference service definition (works from src/ and dist/). */
export const INFERENCE_PROTO_PATH = join(__dirname, '..', 'proto', 'inference.proto');
export const INFERENCE_PACKAGE = 'tessera.inference.v1';
