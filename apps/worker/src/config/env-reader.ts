/**
 * Reads typed values out of an environment map and collects every problem, so a
 * misconfigured worker reports all of them at once instead of one per restart.
 */
export class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Readonly<Record<string, string | undefined>>) {}

  string(name: string): string | undefined {
    const raw = this.env[name]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  }

  required(name: string, what: string): string {
    const value = this.string(name);
    if (value === undefined) this.problems.push(`${name} is required: ${what}`);
    return value ?? '';
  }

  /** An integer in [min, max]; the default when unset. */
  int(name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const value = this.optionalInt(name, min, max);
    return value ?? fallback;
  }

  optionalInt(name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
      this.problems.push(`${name} must be an integer in [${min}, ${max}], got "${raw}"`);
      return undefined;
    }
    return value;
  }
}
