import { GGUFMetadata } from './metadata';
import { GGUFValueType, ggufValue as v } from './values';

function kv(): GGUFMetadata {
  return new GGUFMetadata()
    .set('s', v.string('x'))
    .set('u32', v.u32(7))
    .set('i32', v.i32(-3))
    .set('f32', v.f32(0.5))
    .set('u64', v.u64(42n))
    .set('big', v.u64(2n ** 60n))
    .set('b', v.bool(false))
    .set('toks', v.array(GGUFValueType.STRING, ['a', 'b']))
    .set('scores', v.array(GGUFValueType.FLOAT32, [0.5, -1]))
    .set('ids', v.array(GGUFValueType.UINT64, [1n]));
}

describe('GGUFMetadata', () => {
  it('returns typed values', () => {
    const m = kv();
    expect([m.getString('s'), m.getU32('u32'), m.getF32('f32'), m.getBool('b')]).toEqual(['x', 7, 0.5, false]);
    expect([m.getNumber('i32'), m.getNumber('u64'), m.getBigInt('u64')]).toEqual([-3, 42, 42n]);
    expect(m.getStringArray('toks')).toEqual(['a', 'b']);
    expect(m.getNumberArray('scores')).toEqual([0.5, -1]);
    expect(m.getArray('ids', GGUFValueType.UINT64).value).toEqual([1n]);
  });

  it('throws EMISSINGKEY for absent keys, opt* returns undefined', () => {
    const m = kv();
    for (const get of [() => m.getString('nope'), () => m.getU32('nope'), () => m.getArray('nope'), () => m.getBigInt('nope')]) {
      expect(get).toThrow(expect.objectContaining({ code: 'EMISSINGKEY', message: expect.stringContaining("'nope'") }));
    }
    expect([m.optString('nope'), m.optU32('nope'), m.optF32('nope'), m.optArray('nope')]).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('throws EWRONGTYPE on a type mismatch, naming both types', () => {
    const m = kv();
    expect(() => m.getU32('i32')).toThrow(expect.objectContaining({ code: 'EWRONGTYPE', message: expect.stringMatching(/INT32.*expected UINT32/) }));
    expect(() => m.optU32('u64')).toThrow(expect.objectContaining({ code: 'EWRONGTYPE' }));
    expect(() => m.getString('u32')).toThrow(expect.objectContaining({ code: 'EWRONGTYPE' }));
    expect(() => m.getNumber('big')).toThrow(expect.objectContaining({ code: 'EWRONGTYPE' }));
    expect(() => m.getStringArray('scores')).toThrow(expect.objectContaining({ code: 'EWRONGTYPE' }));
    expect(() => m.getNumberArray('ids')).toThrow(expect.objectContaining({ code: 'EWRONGTYPE' }));
    expect(() => m.getNumber('s')).toThrow(expect.objectContaining({ code: 'EWRONGTYPE' }));
  });

  it('keeps insertion order; set() moves an existing key to the end; clone is independent', () => {
    const m = new GGUFMetadata().set('a', v.u32(1)).set('b', v.u32(2)).set('c', v.u32(3));
    const copy = m.clone();
    m.set('a', v.u32(4));
    m.delete('b');
    expect(m.keys()).toEqual(['c', 'a']);
    expect(m.getU32('a')).toBe(4);
    expect(copy.keys()).toEqual(['a', 'b', 'c']);
    expect(copy.asMap().get('a')).toEqual(v.u32(1));
  });

  it.each([
    ['u8 256', v.u8(256)],
    ['i8 -129', v.i8(-129)],
    ['u32 -1', v.u32(-1)],
    ['u32 1.5', v.u32(1.5)],
    ['i32 2^31', v.i32(2 ** 31)],
    ['u64 -1n', v.u64(-1n)],
    ['i64 2^63', v.i64(2n ** 63n)],
    ['u64 as number', { type: GGUFValueType.UINT64, value: 1 } as never],
    ['lone surrogate', v.string('a\uD800b')],
    ['nested array', { type: GGUFValueType.ARRAY, elemType: GGUFValueType.ARRAY, value: [] } as never],
    ['bad array element', v.array(GGUFValueType.UINT16, [1, 70000])],
    ['unknown type', { type: 13, value: 0 } as never],
  ])('rejects unencodable values (%s) with EBADVALUE', (_what, value) => {
    expect(() => new GGUFMetadata().set('k', value)).toThrow(expect.objectContaining({ code: 'EBADVALUE' }));
  });

  it('rejects empty keys', () => {
    expect(() => new GGUFMetadata().set('', v.u8(1))).toThrow(expect.objectContaining({ code: 'EEMPTYKEY' }));
  });
});
