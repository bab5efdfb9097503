import { GGMLType } from '@tessera/native';
import { QuantError } from './errors';
import { LlamaFileType, PRESETS, PRESET_NAMES, findPreset, getPreset, presetForFileType } from './presets';

describe('presets', () => {
  // llama_ftype ids from llama.h; they go into general.file_type byte for byte.
  const expected: Array<[string, number, GGMLType]> = [
    ['Q4_0', 2, GGMLType.Q4_0],
    ['Q4_1', 3, GGMLType.Q4_1],
    ['Q5_0', 8, GGMLType.Q5_0],
    ['Q5_1', 9, GGMLType.Q5_1],
    ['Q8_0', 7, GGMLType.Q8_0],
    ['Q2_K', 10, GGMLType.Q2_K],
    ['Q3_K_S', 11, GGMLType.Q3_K],
    ['Q3_K_M', 12, GGMLType.Q3_K],
    ['Q3_K_L', 13, GGMLType.Q3_K],
    ['Q4_K_S', 14, GGMLType.Q4_K],
    ['Q4_K_M', 15, GGMLType.Q4_K],
    ['Q5_K_S', 16, GGMLType.Q5_K],
    ['Q5_K_M', 17, GGMLType.Q5_K],
    ['Q6_K', 18, GGMLType.Q6_K],
    ['IQ4_NL', 25, GGMLType.IQ4_NL],
    ['IQ4_XS', 30, GGMLType.IQ4_XS],
    ['F16', 1, GGMLType.F16],
    ['BF16', 32, GGMLType.BF16],
    ['F32', 0, GGMLType.F32],
  ];

  it.each(expected)('%s has file type %i and default type %i', (name, fileType, defaultType) => {
    const p = getPreset(name);
    expect(p.name).toBe(name);
    expect(p.fileType).toBe(fileType);
    expect(p.defaultType).toBe(defaultType);
    expect(p.bpw).toBeGreaterThan(2);
    expect(p.description.length).toBeGreaterThan(5);
  });

  it('has exactly the listed presets', () => {
    expect(PRESETS.map((p) => p.name).sort()).toEqual(expected.map((e) => e[0]).sort());
  });

  it('resolves the K-quant aliases to the medium mixes, case-insensitively', () => {
    expect(getPreset('Q3_K').name).toBe('Q3_K_M');
    expect(getPreset('q4_k').name).toBe('Q4_K_M');
    expect(getPreset(' Q5_K ').fileType).toBe(LlamaFileType.MOSTLY_Q5_K_M);
    expect(getPreset('q4_k_m').name).toBe('Q4_K_M');
  });

  it('throws a typed error that lists the valid names', () => {
    expect(findPreset('Q7_K')).toBeUndefined();
    let err: unknown;
    try {
      getPreset('Q7_K');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(QuantError);
    expect((err as QuantError).code).toBe('QUANT_UNKNOWN_PRESET');
    expect((err as QuantError).message).toContain('Q7_K');
    for (const name of ['Q4_K_M', 'IQ4_XS', 'BF16', 'Q4_K']) expect((err as QuantError).message).toContain(name);
    expect(PRESET_NAMES).toContain('Q5_K');
  });

  it('finds a preset by file type', () => {
    expect(presetForFileType(15)?.name).toBe('Q4_K_M');
    expect(presetForFileType(4)).toBeUndefined();
  });
});
