// POST /v1/quantizations: { source, presets, evaluate?, name? }, validated
// field by field. Presets are matched case-insensitively against the table
// the quantizer accepts and returned in canonical spelling, without repeats.

import { QUANT_PRESET_NAMES } from '@tessera/contracts';
import { ApiError } from '../common/api-error';
import { BodyReader } from '../common/validation/body-reader';

export interface CreateQuantizationRequest {
  readonly source: string;
  readonly presets: readonly string[];
  readonly evaluate: boolean;
  readonly name?: string;
}

const MAX_PRESETS = QUANT_PRESET_NAMES.length;

export function canonicalPresets(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const value of values) {
    const canonical = QUANT_PRESET_NAMES.find((p) => p.toUpperCase() === value.toUpperCase());
    if (!canonical) {
      throw ApiError.invalid(`Unknown preset '${value}'. Valid presets: ${QUANT_PRESET_NAMES.join(', ')}.`, 'presets');
    }
    if (!out.includes(canonical)) out.push(canonical);
  }
  return out;
}

export function parseCreateQuantization(body: unknown): CreateQuantizationRequest {
  const reader = new BodyReader(body);
  const source = reader.requiredString('source');
  const presets = reader.raw('presets');
  if (presets === undefined) throw ApiError.invalid(`Missing required parameter 'presets': a list such as ["Q4_K_M", "Q8_0"].`, 'presets');
  if (!Array.isArray(presets) || presets.length === 0 || presets.length > MAX_PRESETS || presets.some((p) => typeof p !== 'string')) {
    reader.fail('presets', `an array of 1 to ${MAX_PRESETS} preset names such as ["Q4_K_M", "Q8_0"]`);
  }
  const evaluate = reader.boolean('evaluate') ?? true;
  const name = reader.string('name');
  reader.rejectUnknown();
  return { source, presets: canonicalPresets(presets as string[]), evaluate, ...(name !== undefined ? { name } : {}) };
}
