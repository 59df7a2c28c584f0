// kysely's FileMigrationProvider loads migrations/*.ts with a native import(), which Node 20 cannot do by itself
// (vitest only transforms the modules it loads). tsx's loader, registered once per process, makes it work.
import { register } from 'tsx/esm/api';

const key = Symbol.for('listkeeper.tsxRegistered');
const g = globalThis as Record<symbol, unknown>;
if (!g[key]) {
  g[key] = register();
}
