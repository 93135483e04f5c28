import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DIR = fileURLToPath(new URL('../../../src/testing/', import.meta.url));
const sources = readdirSync(DIR)
  .filter((name) => name.endsWith('.ts'))
  .map((name) => [name, readFileSync(`${DIR}${name}`, 'utf8')] as const);

describe('local server: portability', () => {
  it('has source files to check', () => {
    expect(sources.length).toBeGreaterThan(10);
  });

  it.each(sources)('%s uses Web APIs only, and no dev dependency', (_, source) => {
    const code = source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    expect(code).not.toMatch(/from\s+['"]node:/);
    expect(code).not.toMatch(/\b(process|Buffer|require)\b/);
    expect(code).not.toMatch(/from\s+['"](zod|vitest)['"]|generated\/zod/);
  });
});
