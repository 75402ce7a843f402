// Validates the core Kubernetes objects of built manifests (kubectl kustomize output) two ways:
//  1. kubernetes-models' JSON-schema validators (types, formats, required fields);
//  2. TypeScript: each object becomes a typed object literal (IDeployment, IService, ...) and tsc's
//     excess-property checks reject unknown or misspelled fields, which the API server would drop
//     silently for some kinds and reject for others.
// Run by tools/check.sh with TYPES=1, in a scratch copy of this directory after `npm install`:
//   node typecheck.mjs BUILT.yaml...
import fs from 'fs';
import { execFileSync } from 'child_process';
import * as yaml from 'js-yaml';
import { Namespace, ConfigMap, Service, PersistentVolumeClaim } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';

const kinds = {
  'v1/Namespace': [Namespace, 'INamespace', 'kubernetes-models/v1/Namespace'],
  'v1/ConfigMap': [ConfigMap, 'IConfigMap', 'kubernetes-models/v1/ConfigMap'],
  'v1/Service': [Service, 'IService', 'kubernetes-models/v1/Service'],
  'v1/PersistentVolumeClaim': [PersistentVolumeClaim, 'IPersistentVolumeClaim', 'kubernetes-models/v1/PersistentVolumeClaim'],
  'apps/v1/Deployment': [Deployment, 'IDeployment', 'kubernetes-models/apps/v1/Deployment'],
};
let valid = 0, invalid = 0, other = 0, n = 0;
const imports = new Set(), body = [];
for (const f of process.argv.slice(2)) {
  for (const doc of yaml.loadAll(fs.readFileSync(f, 'utf8'))) {
    if (!doc) continue;
    const k = kinds[`${doc.apiVersion}/${doc.kind}`];
    if (!k) { other++; continue; }
    try { new k[0](doc).validate(); valid++; }
    catch (e) { invalid++; console.log(`${f}: ${doc.kind} ${doc.metadata.name}: ${e.message.slice(0, 500)}`); }
    imports.add(`import type { ${k[1]} } from "${k[2]}";`);
    body.push(`// ${f}: ${doc.kind} ${doc.metadata.name}\nexport const o${n++}: ${k[1]} = ${JSON.stringify(doc, null, 1)};`);
  }
}
console.log(`schema: ${valid} valid, ${invalid} invalid (${other} objects of other kinds not covered)`);
fs.writeFileSync('check.ts', [...imports].join('\n') + '\n' + body.join('\n') + '\n');
fs.writeFileSync('tsconfig.json', JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: 'nodenext',
  moduleResolution: 'nodenext', target: 'es2022', skipLibCheck: true }, files: ['check.ts'] }));
let typesOk = true;
try { execFileSync('node', ['node_modules/typescript/bin/tsc', '-p', '.'], { stdio: 'inherit' }); }
catch { typesOk = false; }
console.log(`types: ${n} objects ${typesOk ? 'match' : 'do NOT match'} the Kubernetes API types`);
process.exit(invalid || !typesOk ? 1 : 0);
