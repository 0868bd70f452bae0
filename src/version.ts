import { readFileSync } from 'node:fs';
import { packagePath } from './paths.js';

/** The cortex version, from package.json. */
export const version: string = (
  JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }
).version;

/** The tool name as written in reports. */
export const toolName = 'cortex';
