// @tessera/testing is for specs and test-utils only: no production source file
// imports it, no package lists it as a runtime dependency, and no project's
// tsconfig references it (so `tsc -b` of an app never builds or needs it).
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const IMPORT = /(?:from\s*|require\(\s*|import\(\s*|import\s+)['"]@tessera\/testing(?:\/[^'"]*)?['"]/;

/** True for files that only tests load: specs and anything under a test-utils folder. */
function isTestOnly(path: string): boolean {
  return path.endsWith('.spec.ts') || path.split(/[\\/]/).includes('test-utils');
}

function sources(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'dist' ? [] : sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const projects = ['apps', 'libs'].flatMap((kind) => readdirSync(join(root, kind)).map((name) => join(root, kind, name))).filter((dir) => !dir.endsWith(join('libs', 'testing')));

describe('@tessera/testing stays in tests', () => {
  it('recognises the import forms it looks for, and only those', () => {
    for (const line of [`import { freePort } from '@tessera/testing';`, `const t = require("@tessera/testing")`, `await import('@tessera/testing/x')`, `import '@tessera/testing';`]) {
      expect(IMPORT.test(line)).toBe(true);
    }
    expect(IMPORT.test(`import { x } from '@tessera/testing-other';`)).toBe(false);
    expect(isTestOnly('apps/worker/src/test-utils/worker-process.ts')).toBe(true);
    expect(isTestOnly('apps/worker/src/main.ts')).toBe(false);
  });

  it('is imported by no production source file', () => {
    const offenders = projects
      .flatMap((dir) => sources(join(dir, 'src')))
      .filter((file) => !isTestOnly(file) && IMPORT.test(readFileSync(file, 'utf8')))
      .map((file) => relative(root, file));
    expect(offenders).toEqual([]);
  });

  it('is no runtime dependency and no tsconfig reference of any project', () => {
    const offenders: string[] = [];
    for (const dir of projects) {
      const pkgPath = join(dir, 'package.json');
      if (!existsSync(pkgPath)) continue;
      const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));
      if (pkg.dependencies?.['@tessera/testing']) offenders.push(`${relative(root, pkgPath)}: dependencies`);
      const tsconfig = JSON.parse(readFileSync(join(dir, 'tsconfig.json'), 'utf8'));
      for (const ref of tsconfig.references ?? []) if (String(ref.path).endsWith('libs/testing')) offenders.push(`${relative(root, dir)}/tsconfig.json: references`);
    }
    expect(offenders).toEqual([]);
  });
});
