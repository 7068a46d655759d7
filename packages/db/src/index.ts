export * from './schema.js';
export * from './webhooks-schema.js';
export * from './channels-schema.js';
export * from './connect.js';
export * from './migrate.js';
export * from './embedded.js';
export * from './open.js';
export { sql } from 'kysely';
export type { Kysely, Transaction, Selectable, Insertable, Updateable } from 'kysely';
