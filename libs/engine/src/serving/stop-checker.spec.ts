import { StopChecker } from './stop-checker';

describe('StopChecker', () => {
  it('holds back text that may begin a stop string and releases it when it does not', () => {
    const c = new StopChecker(['END']);
    expect(c.push('abcE')).toEqual({ text: 'abc', stopped: false });
    expect(c.push('N')).toEqual({ text: '', stopped: false });
    expect(c.push('x')).toEqual({ text: 'ENx', stopped: false });
    expect(c.push('yE')).toEqual({ text: 'y', stopped: false });
    expect(c.flush()).toBe('E');
  });

  it('stops at the earliest of several stop strings, dropping it and what follows', () => {
    const c = new StopChecker(['zz', 'b']);
    expect(c.push('aaz')).toEqual({ text: 'aa', stopped: false });
    expect(c.push('zb')).toEqual({ text: '', stopped: true });
  });

  it('never splits a surrogate pair', () => {
    const c = new StopChecker(['\u{1F600}!']);
    // The emoji may start the stop string: both of its UTF-16 halves are held together.
    expect(c.push('a\u{1F600}').text).toBe('a');
    expect(c.flush()).toBe('\u{1F600}');
  });

  it('passes everything through without stop strings', () => {
    const c = new StopChecker([]);
    expect(c.push('hello')).toEqual({ text: 'hello', stopped: false });
  });
});
