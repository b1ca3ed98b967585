// Runs the GraphQL-over-HTTP audit of the graphql-http package against a
// running gendertrack and fails on any MUST ("error") or SHOULD ("warn")
// failure. Usage: node graphql-http-audit.mjs http://127.0.0.1:PORT/graphql
import { auditServer } from 'graphql-http';

const url = process.argv[2];
const results = await auditServer({ url });
let ok = 0, warn = 0, error = 0;
for (const r of results) {
  if (r.status === 'ok') { ok++; continue; }
  if (r.status === 'warn') warn++; else error++;
  console.log(`${r.status.toUpperCase()}: ${r.name}\n    ${r.reason}`);
}
console.log(`graphql-http audit: ${ok} ok, ${warn} SHOULD failures, ${error} MUST failures`);
process.exit(warn + error > 0 ? 1 : 0);
