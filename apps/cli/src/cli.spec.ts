import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { ExitCode } from './cli-error';
import { runCli } from './main';

const golden = process.env.TESSERA_GOLDEN_DIR ?? join(__dirname, '..', '..', '..', '..', 'shared', 'golden', 'micro');

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough() as unknown as NodeJS.WriteStream;
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  (stderr as unknown as PassThrough).on('data', (d: Buffer) => (err += d));
  const code = await runCli(argv, { stdout, stderr, signal: new AbortController().signal });
  return { code, stdout: out, stderr: err };
}

const sha256 = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

describe('tessera CLI', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('synthesizes, quantizes and inspects a model, with --json output for scripts', async () => {
    const src = join(dir, 'micro.gguf');
    expect((await cli('synth', src, '--preset', 'micro', '--seed', '7')).code).toBe(ExitCode.ok);
    const q = await cli('quantize', src, join(dir, 'micro-q8.gguf'), 'Q8_0', '--threads', '2', '--json');
    expect(q.code).toBe(ExitCode.ok);
    const result = JSON.parse(q.stdout);
    expect(result.preset).toBe('Q8_0');
    expect(result.sizeOut).toBeLessThan(result.sizeIn);
    const inspect = await cli('inspect', join(dir, 'micro-q8.gguf'), '--json');
    const info = JSON.parse(inspect.stdout);
    expect(info.metadata['general.file_type']).toBe(7);
    expect(info.tensors.find((t: { name: string }) => t.name === 'blk.0.attn_q.weight').type).toBe('Q8_0');
    expect(info.metadata['tokenizer.ggml.tokens']).toMatchObject({ length: 512 });
    // No temp files are left beside the outputs.
    expect(readdirSync(dir).sort()).toEqual(['micro-q8.gguf', 'micro.gguf']);
  });

  it('writes the same bytes as the reference quantizer for the golden model', async () => {
    const out = join(dir, 'golden-q4km.gguf');
    expect((await cli('quantize', join(golden, 'micro-f32.gguf'), out, 'Q4_K_M')).code).toBe(ExitCode.ok);
    const sums = readFileSync(join(golden, 'SHA256SUMS'), 'utf8');
    expect(sums).toContain(`${sha256(out)}  micro-Q4_K_M.gguf`);
  });

  it('reproduces the reference greedy decode with --json', async () => {
    const ref = JSON.parse(readFileSync(join(golden, 'gen-micro-f32.json'), 'utf8')).results[0];
    const r = await cli('generate', join(golden, 'micro-f32.gguf'), '--prompt', ref.prompt, '-n', '8', '--temp', '0', '--threads', '2', '--json');
    expect(r.code).toBe(ExitCode.ok);
    const out = JSON.parse(r.stdout);
    expect(out.prompt_tokens).toEqual(ref.prompt_tokens);
    expect(out.steps.map((s: { id: number }) => s.id)).toEqual(ref.steps.slice(0, 8).map((s: { id: number }) => s.id));
    out.steps[0].top.forEach(([id, lp]: [number, number], i: number) => {
      expect(id).toBe(ref.steps[0].top[i][0]);
      expect(Math.abs(lp - ref.steps[0].top[i][1])).toBeLessThan(1e-3);
    });
  });

  it('prints llama-bench style JSON rows', async () => {
    const r = await cli('bench', join(golden, 'micro-Q4_0.gguf'), '-p', '16', '-n', '4', '-r', '1', '--batch', '1,2', '--json');
    expect(r.code).toBe(ExitCode.ok);
    const rows = JSON.parse(r.stdout);
    expect(rows.map((x: { test: string; batch: number }) => `${x.test}/${x.batch}`)).toEqual(['pp16/1', 'tg4/1', 'pp16/2', 'tg4/2']);
    for (const row of rows) expect(row.tokens_per_s).toBeGreaterThan(0);
  });

  it.each([
    [['quantize', 'a.gguf', 'b.gguf'], ExitCode.usage, /expected 3 argument/],
    [['quantize', 'a.gguf', 'b.gguf', 'Q9_Z'], ExitCode.usage, /unknown quantization type "Q9_Z"; valid: .*Q4_K_M/],
    [['quantize', '/nonexistent/in.gguf', 'b.gguf', 'Q4_0'], ExitCode.badInput, /\/nonexistent\/in.gguf: no such file/],
    [['synth', 'x.gguf', '--preset', 'huge'], ExitCode.usage, /--preset must be one of/],
    [['quantize', 'a.gguf', 'b.gguf', 'Q4_0', '--threads', '0'], ExitCode.usage, /--threads must be at least 1/],
    [['frobnicate'], ExitCode.usage, /unknown command "frobnicate"/],
    [['inspect', 'x', '--bogus'], ExitCode.usage, /Unknown option '--bogus'/],
  ])('rejects %j with exit code %i and a one-line reason', async (argv, code, message) => {
    const r = await cli(...(argv as string[]));
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('reports a corrupt GGUF as bad input, naming the problem', async () => {
    const bad = join(dir, 'corrupt.gguf');
    require('node:fs').writeFileSync(bad, Buffer.from('GGUF\x03\x00\x00\x00garbage'));
    const r = await cli('inspect', bad);
    expect(r.code).toBe(ExitCode.badInput);
    expect(r.stderr).toMatch(/truncated.*at byte 8/);
    const q = await cli('quantize', bad, join(dir, 'never.gguf'), 'Q4_0');
    expect(q.code).toBe(ExitCode.badInput);
    expect(existsSync(join(dir, 'never.gguf'))).toBe(false);
  });
});
