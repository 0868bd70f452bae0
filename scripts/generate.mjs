#!/usr/bin/env node
// Rewrite the generated SQL of the Cortex plan (one file per mapped table in each output step's
// up/ and down/ folders) from its table specs: `npm run generate` after changing a spec or a template.
import { packageRoot } from '../dist/src/paths.js';
import { writeGenerated } from '../dist/src/generate/generate.js';
import { OUTPUTS, TABLES } from '../dist/phases/tables/index.js';

const written = writeGenerated(packageRoot, TABLES, OUTPUTS);
for (const f of written) console.log(`wrote ${f}`);
console.log(written.length === 0 ? 'generated SQL is up to date' : `${written.length} file(s) written`);
