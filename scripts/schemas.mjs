// Writes the JSON Schemas shipped in docs/ from their zod schemas (run after the build:
// `npm run schemas`); tests fail while a committed file differs from its schema.
import { writeFileSync } from 'node:fs';
import { configJsonSchema } from '../dist/src/config/config.js';
import { reportJsonSchema } from '../dist/src/verify/report.js';

const write = (file, schema) => writeFileSync(new URL(`../docs/${file}`, import.meta.url), `${JSON.stringify(schema, null, 2)}\n`);
write('report.schema.json', reportJsonSchema());
write('config.schema.json', configJsonSchema());
