import { QuantizationConfigError, loadQuantizationApiConfig } from './quantization-api.config';

describe('loadQuantizationApiConfig', () => {
  it('defaults: no store, no import dir, 64 GiB uploads, the shared queue prefix', () => {
    expect(loadQuantizationApiConfig({})).toEqual({ storeDir: undefined, importDir: undefined, uploadLimitBytes: 64 * 2 ** 30, queuePrefix: 'tessera' });
  });

  it('reads every variable', () => {
    expect(loadQuantizationApiConfig({ TESSERA_STORE_DIR: '/s', TESSERA_IMPORT_DIR: '/i', UPLOAD_LIMIT_BYTES: '1024', QUANT_QUEUE_PREFIX: 'q' })).toEqual({
      storeDir: '/s',
      importDir: '/i',
      uploadLimitBytes: 1024,
      queuePrefix: 'q',
    });
  });

  it.each([
    ['TESSERA_STORE_DIR', 'relative/store'],
    ['TESSERA_IMPORT_DIR', 'import'],
    ['UPLOAD_LIMIT_BYTES', '0'],
    ['UPLOAD_LIMIT_BYTES', '1.5'],
    ['UPLOAD_LIMIT_BYTES', 'lots'],
  ])('rejects %s=%s naming it', (name, value) => {
    expect(() => loadQuantizationApiConfig({ [name]: value })).toThrow(QuantizationConfigError);
    expect(() => loadQuantizationApiConfig({ [name]: value })).toThrow(name);
  });
});
