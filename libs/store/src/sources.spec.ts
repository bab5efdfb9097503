import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveImportPath } from './import-dir';
import { formatSource, parseSource } from './sources';

describe('parseSource', () => {
  it('reads the three source kinds', () => {
    expect(parseSource('file:models/llama')).toEqual({ kind: 'file', path: 'models/llama' });
    expect(parseSource('hf://org/name')).toEqual({ kind: 'hf', repo: 'org/name', revision: 'main' });
    expect(parseSource('hf://org/name@v1.0')).toEqual({ kind: 'hf', repo: 'org/name', revision: 'v1.0' });
    expect(parseSource('model:llama')).toEqual({ kind: 'model', name: 'llama', tag: 'latest' });
    expect(formatSource(parseSource('hf://a/b'))).toBe('hf://a/b@main');
  });

  it.each(['', 'http://x', 'hf://org', 'hf://org/../x', 'hf://a/b@../c', 'hf://a/b@c@d', 'model:../x', 'file:', 42])('rejects %j', (bad) => {
    expect(() => parseSource(bad)).toThrow(expect.objectContaining({ code: expect.stringMatching(/STORE_BAD_(SOURCE|NAME)/) }));
  });
});

describe('resolveImportPath', () => {
  let base: string;
  let importDir: string;
  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'tessera-import-'));
    importDir = join(base, 'import');
    mkdirSync(join(importDir, 'models'), { recursive: true });
    writeFileSync(join(importDir, 'models', 'a.gguf'), 'x');
    writeFileSync(join(base, 'secret'), 'x');
    symlinkSync(join(base, 'secret'), join(importDir, 'link-out'));
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('resolves paths inside the import directory', async () => {
    expect(await resolveImportPath(importDir, 'models/a.gguf')).toBe(join(importDir, 'models', 'a.gguf'));
    expect(await resolveImportPath(importDir, join(importDir, 'models'))).toBe(join(importDir, 'models'));
  });

  it.each(['../secret', 'models/../../secret', '/etc/passwd', 'link-out'])('refuses %s', async (p) => {
    await expect(resolveImportPath(importDir, p)).rejects.toMatchObject({ code: 'STORE_OUTSIDE_IMPORT_DIR' });
  });

  it('says when the file is missing or imports are disabled', async () => {
    await expect(resolveImportPath(importDir, 'models/none.gguf')).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
    await expect(resolveImportPath(undefined, 'a')).rejects.toThrow(/TESSERA_IMPORT_DIR/);
  });
});
