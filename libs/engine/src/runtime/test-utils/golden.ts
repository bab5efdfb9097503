// Paths and loaders for the reference implementation's golden data
// (/work/shared/golden/micro, see its README), shared by the runtime specs.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const GOLDEN_DIR = process.env.TESSERA_GOLDEN_DIR ?? join(__dirname, '..', '..', '..', '..', '..', '..', 'shared', 'golden', 'micro');

export interface GoldenStep {
  id: number;
  top: [number, number][];
}

export interface GoldenPrompt {
  prompt: string;
  prompt_tokens: number[];
  steps: GoldenStep[];
}

export function goldenModelPath(type: string): string {
  return join(GOLDEN_DIR, `micro-${type}.gguf`);
}

export function readGolden(type: string): GoldenPrompt[] {
  const file = join(GOLDEN_DIR, `gen-micro-${type}.json`);
  if (!existsSync(file)) throw new Error(`golden file ${file} is missing; set TESSERA_GOLDEN_DIR to the golden/micro folder`);
  return (JSON.parse(readFileSync(file, 'utf8')) as { results: GoldenPrompt[] }).results;
}
