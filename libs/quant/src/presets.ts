// The quantization presets a user can ask for ("Q4_K_M", "Q8_0", ...): which
// llama_ftype id goes into `general.file_type`, and which ggml type most
// tensors get before the mix rules (tensor-type-rules.ts) adjust some of them.

import { GGMLType } from '@tessera/native';
import { QuantError } from './errors';

/** llama.cpp's `llama_ftype` ids, as written to `general.file_type`. */
export enum LlamaFileType {
  ALL_F32 = 0,
  MOSTLY_F16 = 1,
  MOSTLY_Q4_0 = 2,
  MOSTLY_Q4_1 = 3,
  MOSTLY_Q8_0 = 7,
  MOSTLY_Q5_0 = 8,
  MOSTLY_Q5_1 = 9,
  MOSTLY_Q2_K = 10,
  MOSTLY_Q3_K_S = 11,
  MOSTLY_Q3_K_M = 12,
  MOSTLY_Q3_K_L = 13,
  MOSTLY_Q4_K_S = 14,
  MOSTLY_Q4_K_M = 15,
  MOSTLY_Q5_K_S = 16,
  MOSTLY_Q5_K_M = 17,
  MOSTLY_Q6_K = 18,
  MOSTLY_IQ4_NL = 25,
  MOSTLY_IQ4_XS = 30,
  MOSTLY_BF16 = 32,
}

export interface QuantPreset {
  /** Canonical name, e.g. "Q4_K_M". */
  readonly name: string;
  /** Value of `general.file_type` in the output. */
  readonly fileType: LlamaFileType;
  /** Type every quantizable tensor starts from before the mix rules. */
  readonly defaultType: GGMLType;
  /** Approximate bits per weight of the whole file for a 7-8B llama model. */
  readonly bpw: number;
  readonly description: string;
}

type Row = [string, LlamaFileType, GGMLType, number, string];
// bpw: nominal bits per weight of the default type; mixes add a little for the
// tensors they bump (output, attn_v, ffn_down).
const ROWS: Row[] = [
  ['Q4_0', LlamaFileType.MOSTLY_Q4_0, GGMLType.Q4_0, 4.5, 'legacy 4-bit, one scale per 32 weights'],
  ['Q4_1', LlamaFileType.MOSTLY_Q4_1, GGMLType.Q4_1, 5.0, 'legacy 4-bit with a minimum per 32 weights'],
  ['Q5_0', LlamaFileType.MOSTLY_Q5_0, GGMLType.Q5_0, 5.5, 'legacy 5-bit, one scale per 32 weights'],
  ['Q5_1', LlamaFileType.MOSTLY_Q5_1, GGMLType.Q5_1, 6.0, 'legacy 5-bit with a minimum per 32 weights'],
  ['Q8_0', LlamaFileType.MOSTLY_Q8_0, GGMLType.Q8_0, 8.5, '8-bit, nearly lossless'],
  ['Q2_K', LlamaFileType.MOSTLY_Q2_K, GGMLType.Q2_K, 2.96, '2-bit K-quant mix (attn_v, ffn_down, attn_output in 3-4 bits)'],
  ['Q3_K_S', LlamaFileType.MOSTLY_Q3_K_S, GGMLType.Q3_K, 3.44, '3-bit K-quant, all tensors Q3_K'],
  ['Q3_K_M', LlamaFileType.MOSTLY_Q3_K_M, GGMLType.Q3_K, 3.74, '3-bit K-quant mix, attention and ffn_down in 4-5 bits'],
  ['Q3_K_L', LlamaFileType.MOSTLY_Q3_K_L, GGMLType.Q3_K, 4.03, '3-bit K-quant mix, attn_v/attn_output/ffn_down in Q5_K'],
  ['Q4_K_S', LlamaFileType.MOSTLY_Q4_K_S, GGMLType.Q4_K, 4.37, '4-bit K-quant, first layers bumped to Q5_K'],
  ['Q4_K_M', LlamaFileType.MOSTLY_Q4_K_M, GGMLType.Q4_K, 4.58, '4-bit K-quant mix, half of attn_v/ffn_down in Q6_K'],
  ['Q5_K_S', LlamaFileType.MOSTLY_Q5_K_S, GGMLType.Q5_K, 5.21, '5-bit K-quant, all tensors Q5_K'],
  ['Q5_K_M', LlamaFileType.MOSTLY_Q5_K_M, GGMLType.Q5_K, 5.33, '5-bit K-quant mix, half of attn_v/ffn_down in Q6_K'],
  ['Q6_K', LlamaFileType.MOSTLY_Q6_K, GGMLType.Q6_K, 6.56, '6-bit K-quant'],
  ['IQ4_NL', LlamaFileType.MOSTLY_IQ4_NL, GGMLType.IQ4_NL, 4.5, '4-bit non-linear, blocks of 32'],
  ['IQ4_XS', LlamaFileType.MOSTLY_IQ4_XS, GGMLType.IQ4_XS, 4.25, '4-bit non-linear, super-blocks of 256'],
  ['F16', LlamaFileType.MOSTLY_F16, GGMLType.F16, 16, 'half precision, no quantization'],
  ['BF16', LlamaFileType.MOSTLY_BF16, GGMLType.BF16, 16, 'bfloat16, no quantization'],
  ['F32', LlamaFileType.ALL_F32, GGMLType.F32, 32, 'single precision, a plain copy/conversion'],
];

export const PRESETS: readonly QuantPreset[] = ROWS.map(([name, fileType, defaultType, bpw, description]) =>
  Object.freeze({ name, fileType, defaultType, bpw, description }),
);

/** Short names llama-quantize accepts for the medium K-quant mixes. */
export const PRESET_ALIASES: Readonly<Record<string, string>> = { Q3_K: 'Q3_K_M', Q4_K: 'Q4_K_M', Q5_K: 'Q5_K_M' };

const BY_NAME = new Map(PRESETS.map((p) => [p.name, p]));

/** Every name `getPreset` accepts, canonical names first, then aliases. */
export const PRESET_NAMES: readonly string[] = [...BY_NAME.keys(), ...Object.keys(PRESET_ALIASES)];

/** The preset for a name or alias (case-insensitive), or undefined. */
export function findPreset(name: string): QuantPreset | undefined {
  const upper = name.trim().toUpperCase();
  return BY_NAME.get(PRESET_ALIASES[upper] ?? upper);
}

/** The preset for a name or alias; throws QUANT_UNKNOWN_PRESET listing the valid names. */
export function getPreset(name: string): QuantPreset {
  const preset = findPreset(name);
  if (!preset) {
    throw new QuantError(
      'QUANT_UNKNOWN_PRESET',
      `unknown quantization preset "${name}"; choose one of: ${PRESET_NAMES.join(', ')}`,
    );
  }
  return preset;
}

/** The preset whose `general.file_type` id is `fileType`, or undefined. */
export function presetForFileType(fileType: number): QuantPreset | undefined {
  return PRESETS.find((p) => p.fileType === fileType);
}

/** Every accepted preset name (canonical names, then aliases), for help texts. */
export function listPresets(): string[] {
  return [...PRESET_NAMES];
}
