import { hash32, rendezvousRank, rendezvousScore } from './rendezvous-hash';

describe('hash32', () => {
  it('is deterministic and unsigned 32-bit', () => {
    expect(hash32('hello')).toBe(hash32('hello'));
    for (const text of ['', 'a', 'hello world', '\u{1F600}']) {
      const h = hash32(text);
      expect(Number.isInteger(h)).toBe(true);
      expect(h).toBeGreaterThanOrEqual(0);
      expect(h).toBeLessThan(2 ** 32);
    }
  });

  it('spreads similar keys', () => {
    const values = new Set(Array.from({ length: 1000 }, (_, i) => hash32(`key-${i}`)));
    expect(values.size).toBe(1000);
    // One changed character flips about half of the bits.
    const flipped = (hash32('prefix-a') ^ hash32('prefix-b')).toString(2).replace(/0/g, '').length;
    expect(flipped).toBeGreaterThan(6);
  });
});

describe('rendezvousRank', () => {
  const nodes = ['r1', 'r2', 'r3', 'r4'];

  it('orders nodes by descending score', () => {
    const ranked = rendezvousRank('some prompt', nodes);
    expect([...ranked].sort()).toEqual(nodes);
    const scores = ranked.map((node) => rendezvousScore('some prompt', node));
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it('does not depend on the order nodes are given in', () => {
    expect(rendezvousRank('k', [...nodes].reverse())).toEqual(rendezvousRank('k', nodes));
  });

  it('spreads keys roughly evenly over nodes', () => {
    const wins = new Map<string, number>();
    for (let i = 0; i < 4000; i++) {
      const top = rendezvousRank(`prompt number ${i}`, nodes)[0];
      wins.set(top, (wins.get(top) ?? 0) + 1);
    }
    for (const node of nodes) expect(wins.get(node)).toBeGreaterThan(800);
  });

  it('moves only the removed node keys when a node leaves', () => {
    let moved = 0;
    for (let i = 0; i < 2000; i++) {
      const key = `k${i}`;
      const before = rendezvousRank(key, nodes)[0];
      const after = rendezvousRank(key, nodes.filter((n) => n !== 'r3'))[0];
      if (before !== 'r3') expect(after).toBe(before);
      else moved++;
    }
    expect(moved).toBeGreaterThan(0);
  });
});
