import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PaytiaSimulator, startPaytiaSimulator } from '../../../local/paytia-simulator/server.js';
import { type LocalSecretsManager, startLocalSecretsManager } from '../../../local/secrets-manager.js';
import { PaytiaClient } from '../../../shared/paytia/client.js';
import { secretsManagerCredentials } from '../../../shared/paytia/secret-credentials.js';
import { type RotationResult, rotateToken } from '../../../shared/rotation/rotate-token.js';
import { secretsManagerTokenStore } from '../../../shared/rotation/token-store.js';

const MINUTE = 60_000;
const SECRET_ID = 'paytia-credentials';
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

let simulatedNow = Date.parse('2026-11-21T00:00:00.000Z');
let simulator: PaytiaSimulator;
let secretsServer: LocalSecretsManager;
let secretsManager: SecretsManagerClient;
const paytiaRequests: string[] = [];

beforeAll(async () => {
  simulator = await startPaytiaSimulator({
    port: 0,
    now: () => simulatedNow,
    seededPayments: 12,
    log: (line) => void paytiaRequests.push(line),
  });
  secretsServer = await startLocalSecretsManager();
  secretsManager = new SecretsManagerClient({
    endpoint: secretsServer.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  // As an operator fills it in: client credentials and the portal's first refresh token.
  await secretsManager.send(
    new CreateSecretCommand({
      Name: SECRET_ID,
      SecretString: JSON.stringify({
        mode: 'access_token',
        client_id: simulator.credentials.clientId,
        client_secret: simulator.credentials.clientSecret,
        refresh_token: simulator.credentials.refreshToken,
      }),
    }),
  );
});

afterAll(async () => {
  secretsManager.destroy();
  await secretsServer.close();
  await simulator.close();
});

function rotateNow(): Promise<RotationResult> {
  return rotateToken({
    store: secretsManagerTokenStore(secretsManager, SECRET_ID),
    paytia: new PaytiaClient({ baseUrl: simulator.url, retry: { maxRetries: 0 } }),
    clock: () => new Date(simulatedNow),
    minAgeMs: 5 * MINUTE,
    logger: silent,
  });
}

describe('token rotation over a simulated day against the Paytia simulator', () => {
  it('keeps a working token for a consumer all day, never reusing a spent refresh token', async () => {
    // Prepare: the auditor's view of Paytia, through the credentials provider.
    const consumer = new PaytiaClient({
      baseUrl: simulator.url,
      retry: { maxRetries: 0 },
      credentials: secretsManagerCredentials({
        client: secretsManager,
        secretId: SECRET_ID,
        maxAgeMs: MINUTE,
        now: () => simulatedNow,
      }),
    });
    const rotations: RotationResult[] = [];
    const consumerFailures: string[] = [];
    rotations.push(await rotateNow());

    // Act: 24 hours in 5-minute steps; the schedule fires every 30 minutes and, now and then,
    // delivers a run twice (EventBridge delivers at least once).
    for (let step = 1; step <= 24 * 12; step++) {
      simulatedNow += 5 * MINUTE;
      if (step % 6 === 0) {
        rotations.push(await rotateNow());
        if (step % 42 === 0) rotations.push(await rotateNow());
      }
      try {
        await consumer.paymentTaken({ limit_per_page: 10 });
      } catch (error) {
        consumerFailures.push(`${new Date(simulatedNow).toISOString()} ${(error as Error).name}`);
      }
    }

    // Assess
    expect(consumerFailures).toEqual([]);
    const rotated = rotations.filter((result) => result.outcome === 'rotated');
    const skipped = rotations.filter((result) => result.outcome === 'skipped');
    expect(rotated).toHaveLength(49);
    expect(skipped.length).toBeGreaterThanOrEqual(6);
    // Every renewal used the refresh token the previous one stored: none was spent twice, and
    // authorize (the recovery path) was never needed.
    expect(rotated.every((result) => result.outcome === 'rotated' && result.method === 'refresh')).toBe(true);
    expect(
      paytiaRequests.filter((line) => line.includes('/api/refresh_token') && !/ 200 /.test(line)),
    ).toEqual([]);
  });

  it('recovers through authorize when a write was lost after Paytia spent the refresh token', async () => {
    // Prepare: a rotation that renewed at Paytia but whose write never landed.
    simulatedNow += 40 * MINUTE;
    const stored =
      (await secretsManager.send(new GetSecretValueCommand({ SecretId: SECRET_ID }))).SecretString ?? '';
    const lostWrite = rotateToken({
      store: { read: async () => stored, write: async () => Promise.reject(new Error('lost')) },
      paytia: new PaytiaClient({ baseUrl: simulator.url, retry: { maxRetries: 0 } }),
      clock: () => new Date(simulatedNow),
      minAgeMs: 5 * MINUTE,
      writeAttempts: 2,
      sleep: async () => undefined,
      logger: silent,
    });
    await expect(lostWrite).rejects.toMatchObject({ stage: 'write_secret' });

    // Act: the next scheduled run finds the stored refresh token spent.
    simulatedNow += 30 * MINUTE;
    const recovery = await rotateNow();

    // Assess
    expect(recovery).toMatchObject({ outcome: 'rotated', method: 'authorize' });
    const consumer = new PaytiaClient({
      baseUrl: simulator.url,
      credentials: secretsManagerCredentials({
        client: secretsManager,
        secretId: SECRET_ID,
        now: () => simulatedNow,
      }),
    });
    await expect(consumer.paymentTaken({ limit_per_page: 10 })).resolves.toMatchObject({ httpStatus: true });
  });
});
