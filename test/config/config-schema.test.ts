import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, parseConfig } from '../../src/config/config.js';
import { packagePath } from '../../src/paths.js';

describe('config JSON Schema', () => {
  it('a config file may name its schema with "$schema" (editors read it; cortex does not)', () => {
    const c = parseConfig({ $schema: './node_modules/cortex/docs/config.schema.json', lockRetries: 3 }, 'cortex.config.json');
    expect(c.lockRetries).toBe(3);
    expect(() => parseConfig({ schema: 'x' }, 'cortex.config.json')).toThrow(/schema/);
  });

  it('docs/config.schema.json is the JSON Schema of ConfigSchema (regenerate: npm run schemas)', () => {
    const shipped = JSON.parse(readFileSync(packagePath('docs', 'config.schema.json'), 'utf8'));
    expect(shipped).toEqual(configJsonSchema());
    // Strict like the file's parser, and naming the keys a config may have.
    expect(shipped.additionalProperties).toBe(false);
    expect(Object.keys(shipped.properties)).toEqual(expect.arrayContaining(['$schema', 'plan', 'backfill', 'lockTimeoutSeconds']));
  });
});
