// Writes package.json's version into src/version.ts, after `changeset version` has bumped it.

import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8'));
const file = path.join(ROOT, 'src/version.ts');
const source = await readFile(file, 'utf8');
const updated = source.replace(/VERSION = '[^']*'/, `VERSION = '${pkg.version}'`);
if (!updated.includes(`'${pkg.version}'`)) throw new Error(`no VERSION constant in ${file}`);
await writeFile(file, updated);
console.log(`src/version.ts: ${pkg.version}`);
