/**
 * Nx-style module boundaries, checked over the source tree:
 * - a lib never imports an app;
 * - contracts imports nothing of ours;
 * - native is reached only through the typed wrappers of engine, quant and gguf;
 * - every @tessera import is declared in the importer's package.json and tsconfig references,
 *   so `tsc -b` builds in the right order;
 * - test-only libs (@tessera/testing) are imported by specs and test-utils alone, and no
 *   project lists them as a dependency or tsconfig reference (so no build ever needs them).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '..');

interface Project {
  name: string;
  dir: string;
  kind: 'app' | 'lib';
}

function projects(): Project[] {
  const out: Project[] = [];
  for (const kind of ['apps', 'libs'] as const) {
    for (const name of readdirSync(join(root, kind))) {
      const dir = join(root, kind, name);
      try {
        statSync(join(dir, 'package.json'));
      } catch {
        continue;
      }
      out.push({ name, dir, kind: kind === 'apps' ? 'app' : 'lib' });
    }
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(p));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Module specifiers of import/export-from/require/import() statements. */
export function importsOf(source: string): string[] {
  const specs: string[] = [];
  const re = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;
  for (const m of source.matchAll(re)) specs.push(m[1] ?? m[2] ?? m[3]);
  return specs;
}

/** True for files only tests load: specs and anything under a test-utils folder. */
export function isTestFile(path: string): boolean {
  return path.endsWith('.spec.ts') || path.split(/[\\/]/).includes('test-utils');
}

const NATIVE_GATEWAYS = new Set(['engine', 'quant', 'gguf', 'native']);
/** Libs for tests only: never in production code, never a build dependency. */
const TEST_ONLY_LIBS = new Set(['testing']);
const all = projects();
const appNames = new Set(all.filter((p) => p.kind === 'app').map((p) => p.name));

describe('module boundaries', () => {
  it('finds the projects of the layout', () => {
    const names = all.map((p) => p.name);
    for (const expected of ['contracts', 'gguf', 'native', 'quant', 'convert', 'tokenizer', 'engine', 'cli']) {
      expect(names).toContain(expected);
    }
  });

  for (const project of all) {
    describe(`${project.kind} ${project.name}`, () => {
      const pkg = JSON.parse(readFileSync(join(project.dir, 'package.json'), 'utf8'));
      const declared = new Set(Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }));
      const tsconfig = JSON.parse(readFileSync(join(project.dir, 'tsconfig.json'), 'utf8'));
      const referenced = new Set<string>((tsconfig.references ?? []).map((r: { path: string }) => r.path.split('/').pop()));
      const files = sourceFiles(join(project.dir, 'src'));

      it('imports only what its role allows', () => {
        const violations: string[] = [];
        for (const file of files) {
          const isSpec = isTestFile(file);
          for (const spec of importsOf(readFileSync(file, 'utf8'))) {
            const where = `${relative(root, file)} imports ${spec}`;
            const ours = spec.match(/^@tessera\/([^/]+)/)?.[1];
            if (spec.includes('/apps/') || (ours && appNames.has(ours))) {
              if (project.kind === 'lib') violations.push(`${where}: a lib never imports an app`);
            }
            if (!ours) continue;
            if (project.name === 'contracts') violations.push(`${where}: contracts imports nothing of ours`);
            if (ours === 'native' && !NATIVE_GATEWAYS.has(project.name) && !isSpec) {
              violations.push(`${where}: native is reached only through engine, quant or gguf`);
            }
            if (TEST_ONLY_LIBS.has(ours) && !isSpec) {
              violations.push(`${where}: @tessera/${ours} is for specs and test-utils only`);
              continue;
            }
            if (ours !== project.name && !isSpec && !declared.has(`@tessera/${ours}`)) {
              violations.push(`${where}: @tessera/${ours} missing from package.json dependencies`);
            }
            if (ours !== project.name && !isSpec && !referenced.has(ours)) {
              violations.push(`${where}: ${ours} missing from tsconfig.json references`);
            }
          }
        }
        expect(violations).toEqual([]);
      });

      it('needs no test-only lib to build or run', () => {
        const needed = [...TEST_ONLY_LIBS].filter((lib) => pkg.dependencies?.[`@tessera/${lib}`] || referenced.has(lib));
        expect(needed).toEqual([]);
      });
    });
  }

  it('tells test files from production files', () => {
    expect(isTestFile('apps/worker/src/worker.e2e.spec.ts')).toBe(true);
    expect(isTestFile('apps/worker/src/test-utils/worker-process.ts')).toBe(true);
    expect(isTestFile('apps/worker/src/main.ts')).toBe(false);
    expect(isTestFile('apps/worker/src/test-utilsx/main.ts')).toBe(false);
  });

  it('recognises every import form it claims to check', () => {
    const src = `import { a } from '@tessera/x';\nexport * from "./y";\nconst z = require('@tessera/z');\nimport '@tessera/side';\nawait import('@tessera/dyn');`;
    expect(importsOf(src)).toEqual(['@tessera/x', './y', '@tessera/z', '@tessera/side', '@tessera/dyn']);
  });
});
