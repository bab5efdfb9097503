// Loading the compiled addon, and the error that says how to get one.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ADDON_PATH, PACKAGE_DIR, loadAddon, loadAddonFrom } from './addon';
import { NativeError } from './native-error';

describe('addon loading', () => {
  it('resolves the binary inside this package, from src/ and dist/ alike', () => {
    expect(existsSync(join(PACKAGE_DIR, 'package.json'))).toBe(true);
    expect(ADDON_PATH).toBe(join(PACKAGE_DIR, 'build', 'Release', 'tessera_native.node'));
  });

  it('loads once and registers the binding groups', () => {
    const addon = loadAddon();
    expect(loadAddon()).toBe(addon);
    expect(addon.abiVersion).toBe(1);
    expect(addon.bindingGroups).toEqual(expect.arrayContaining(['quant', 'cpu']));
  });

  it('a missing binary is an ENOADDON error that says to build', () => {
    let caught: unknown;
    try {
      loadAddonFrom(join(PACKAGE_DIR, 'build', 'Release', 'does-not-exist.node'));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(NativeError);
    expect((caught as NativeError).code).toBe('ENOADDON');
    expect((caught as NativeError).message).toMatch(/npm run build/);
  });
});
