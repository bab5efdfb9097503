import { ApiError } from '../common/api-error';
import { canonicalPresets, parseCreateQuantization } from './quantization-request';
import { nameFrom } from './quantization-source';

describe('parseCreateQuantization', () => {
  it('canonicalises presets case-insensitively, drops repeats, defaults evaluate to true', () => {
    expect(parseCreateQuantization({ source: 'file:m', presets: ['q4_k_m', 'Q8_0', 'Q4_K_M'] })).toEqual({ source: 'file:m', presets: ['Q4_K_M', 'Q8_0'], evaluate: true });
    expect(parseCreateQuantization({ source: 'file:m', presets: ['iq4_xs'], evaluate: false, name: 'x' })).toEqual({ source: 'file:m', presets: ['IQ4_XS'], evaluate: false, name: 'x' });
  });

  it.each([
    [{ presets: ['Q4_0'] }, 'source'],
    [{ source: 'file:m' }, 'presets'],
    [{ source: 'file:m', presets: 'Q4_0' }, 'presets'],
    [{ source: 'file:m', presets: [] }, 'presets'],
    [{ source: 'file:m', presets: [4] }, 'presets'],
    [{ source: 'file:m', presets: ['Q4_0'], evaluate: 'yes' }, 'evaluate'],
    [{ source: 'file:m', presets: ['Q4_0'], extra: 1 }, 'extra'],
  ])('rejects %j naming %s', (body, param) => {
    try {
      parseCreateQuantization(body);
      throw new Error('accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).param).toBe(param);
      expect((err as ApiError).status).toBe(400);
    }
  });

  it('lists the valid presets when one is unknown', () => {
    expect(() => canonicalPresets(['Q4_0', 'Q7_Z'])).toThrow(/Unknown preset 'Q7_Z'. Valid presets: Q4_0, Q4_1, .*Q6_K/);
  });
});

describe('nameFrom', () => {
  it.each([
    ['micro-hf', 'micro-hf'],
    ['SmolLM 135M (v2)', 'SmolLM-135M-v2-'],
    ['..hidden', 'hidden'],
    ['a..b', 'a.b'],
    ['///', 'model'],
    ['x'.repeat(100), 'x'.repeat(64)],
  ])('%s -> %s', (raw, name) => {
    expect(nameFrom(raw)).toBe(name);
  });
});
