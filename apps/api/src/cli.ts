import { parseArgs } from 'node:util';
import { connectDatabase, migrateToLatest, resolveDatabase } from '@steward/db';
import { createOrganisation } from './areas/organisations/bootstrap.js';
import { loadConfig } from './config.js';
import { resealAllSecrets } from './areas/integrations/mailersend-settings.js';
import { resealAiKeys } from './areas/ai/ai-settings.js';
import { resealWebhookSecrets } from './areas/webhooks/webhooks.js';
import { resealChannelSecrets } from './areas/channels/channels.js';
import { resealConnectStates, resealOAuthSecrets } from './oauth-connect/index.js';
import { generateNextDevKey, loadKeyring } from './secrets.js';

const USAGE = `Usage:
  npm run steward -- bootstrap --org "Name" --admin person@example.org
  npm run steward -- rotate-secret-key

rotate-secret-key re-encrypts every stored secret under the current key (each kind in one transaction;
running it again finishes what an interruption left).
In production, first set STEWARD_SECRET_KEY to the new key and add the old one to
STEWARD_SECRET_KEYS_PREVIOUS; in local development (no STEWARD_SECRET_KEY) a new key is generated.`;

async function bootstrap(args: string[]) {
  const { values } = parseArgs({ args, options: { org: { type: 'string' }, admin: { type: 'string' } } });
  const name = values.org?.trim();
  const admin = values.admin?.trim().toLowerCase();
  if (!name || !admin || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(admin)) throw new UsageError('bootstrap needs --org and a valid --admin email.');
  const config = loadConfig();
  const { url, embedded } = await resolveDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const db = connectDatabase(url);
  try {
    await migrateToLatest(db);
    const created = await createOrganisation(db, { name, adminEmail: admin });
    console.log(
      `Created organisation "${name}" (${created.organisationId}) with its global workspace. ` +
        (created.adminIsMember ? `${admin} is its admin.` : `${admin} becomes its admin at their first sign-in.`),
    );
  } finally {
    await db.destroy();
    await embedded?.stop();
  }
}

async function rotateSecretKey() {
  const config = loadConfig();
  if (!config.secretKey) await generateNextDevKey(config.dataDir);
  const keyring = await loadKeyring(config);
  const { url, embedded } = await resolveDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const db = connectDatabase(url);
  try {
    await migrateToLatest(db);
    const resealers = [resealAllSecrets, resealAiKeys, resealWebhookSecrets, resealChannelSecrets, resealOAuthSecrets, resealConnectStates];
    let resealed = 0;
    for (const reseal of resealers) resealed += await reseal(db, keyring);
    console.log(`Re-encrypted ${resealed} stored secret${resealed === 1 ? '' : 's'} under key ${keyring.current.version}.`);
  } finally {
    await db.destroy();
    await embedded?.stop();
  }
}

class UsageError extends Error {}

const [command, ...rest] = process.argv.slice(2);
const commands: Record<string, (args: string[]) => Promise<void>> = { bootstrap, 'rotate-secret-key': rotateSecretKey };
const run = command ? commands[command] : undefined;
if (!run) {
  console.error(USAGE);
  process.exit(2);
}
run(rest).catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  if (error instanceof UsageError) console.error(USAGE);
  process.exit(1);
});
