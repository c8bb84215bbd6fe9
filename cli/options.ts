// Command-line options that take JSON: inline, or the path of a JSON file.
import fs from 'node:fs';
import type { z } from 'zod';
import { CliError } from './errors.ts';

/** Parses and validates a JSON option; errors name the option and the field. */
export function jsonOption<T>(name: string, value: string | undefined, schema: z.ZodType<T>): T | undefined {
  if (value === undefined) return undefined;
  const source = fs.existsSync(value) ? fs.readFileSync(value, 'utf8') : value;
  let json: unknown;
  try {
    json = JSON.parse(source);
  } catch (err) {
    throw new CliError(`${name}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new CliError(`${name}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(value)'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}
