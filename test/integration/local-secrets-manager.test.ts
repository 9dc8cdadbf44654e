import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalSecretsManager } from '../../local/secrets-manager.js';
import { cachedSecret } from '../../shared/secrets/cached-secret.js';

let server: Awaited<ReturnType<typeof startLocalSecretsManager>>;
let client: SecretsManagerClient;

const clientFor = (endpoint: string) =>
  new SecretsManagerClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });

beforeAll(async () => {
  server = await startLocalSecretsManager();
  client = clientFor(server.endpoint);
});

afterAll(async () => {
  client.destroy();
  await server.close();
});

describe('local Secrets Manager stand-in, through the real SDK client', () => {
  it('creates a secret and reads its current value by name and by ARN', async () => {
    // Act
    const created = await client.send(new CreateSecretCommand({ Name: 'app/one', SecretString: 'v1' }));
    const byName = await client.send(new GetSecretValueCommand({ SecretId: 'app/one' }));
    const byArn = await client.send(new GetSecretValueCommand({ SecretId: created.ARN }));

    // Assess
    expect(created.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:000000000000:secret:app\/one-/);
    expect(byName.SecretString).toBe('v1');
    expect(byName.VersionStages).toEqual(['AWSCURRENT']);
    expect(byArn.SecretString).toBe('v1');
  });

  it('moves AWSCURRENT to a new value and keeps the old one as AWSPREVIOUS', async () => {
    // Prepare
    await client.send(new CreateSecretCommand({ Name: 'app/rotating', SecretString: 'first' }));

    // Act
    await client.send(new PutSecretValueCommand({ SecretId: 'app/rotating', SecretString: 'second' }));
    await client.send(new PutSecretValueCommand({ SecretId: 'app/rotating', SecretString: 'third' }));

    // Assess
    const current = await client.send(new GetSecretValueCommand({ SecretId: 'app/rotating' }));
    const previous = await client.send(
      new GetSecretValueCommand({ SecretId: 'app/rotating', VersionStage: 'AWSPREVIOUS' }),
    );
    const described = await client.send(new DescribeSecretCommand({ SecretId: 'app/rotating' }));
    expect(current.SecretString).toBe('third');
    expect(previous.SecretString).toBe('second');
    expect(
      Object.values(described.VersionIdsToStages ?? {})
        .flat()
        .sort(),
    ).toEqual(['AWSCURRENT', 'AWSPREVIOUS']);
  });

  it('treats a repeated ClientRequestToken as the same write, and a changed value under it as an error', async () => {
    // Prepare
    await client.send(new CreateSecretCommand({ Name: 'app/idempotent', SecretString: 'a' }));
    const token = '11111111-2222-3333-4444-555555555555';

    // Act
    const first = await client.send(
      new PutSecretValueCommand({ SecretId: 'app/idempotent', SecretString: 'b', ClientRequestToken: token }),
    );
    const again = await client.send(
      new PutSecretValueCommand({ SecretId: 'app/idempotent', SecretString: 'b', ClientRequestToken: token }),
    );

    // Assess
    expect(again.VersionId).toBe(first.VersionId);
    const previous = await client.send(
      new GetSecretValueCommand({ SecretId: 'app/idempotent', VersionStage: 'AWSPREVIOUS' }),
    );
    expect(previous.SecretString).toBe('a');
    await expect(
      client.send(
        new PutSecretValueCommand({
          SecretId: 'app/idempotent',
          SecretString: 'c',
          ClientRequestToken: token,
        }),
      ),
    ).rejects.toBeInstanceOf(ResourceExistsException);
  });

  it('answers the SDK error types for unknown secrets and stages', async () => {
    await expect(client.send(new GetSecretValueCommand({ SecretId: 'nope' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await client.send(new CreateSecretCommand({ Name: 'app/fresh', SecretString: 'x' }));
    await expect(
      client.send(new GetSecretValueCommand({ SecretId: 'app/fresh', VersionStage: 'AWSPREVIOUS' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(
      client.send(new CreateSecretCommand({ Name: 'app/fresh', SecretString: 'y' })),
    ).rejects.toBeInstanceOf(ResourceExistsException);
  });

  it('serves the cached secret reader what it needs: current, then current and previous after a rotation', async () => {
    // Prepare
    await client.send(new CreateSecretCommand({ Name: 'app/token', SecretString: 'token-one' }));
    let now = 0;
    const secret = cachedSecret({
      client,
      secretId: 'app/token',
      maxAgeMs: 1000,
      includePrevious: true,
      now: () => now,
    });

    // Act
    const before = await secret.values();
    await client.send(new PutSecretValueCommand({ SecretId: 'app/token', SecretString: 'token-two' }));
    const cached = await secret.values();
    now = 1000;
    const after = await secret.values();

    // Assess
    expect(before).toEqual(['token-one']);
    expect(cached).toEqual(['token-one']);
    expect(after).toEqual(['token-two', 'token-one']);
  });

  it('keeps its secrets in a state file across restarts when given one', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'secrets-'));
    const stateFile = join(dir, 'secrets.json');
    const first = await startLocalSecretsManager({ stateFile });
    const firstClient = clientFor(first.endpoint);
    await firstClient.send(new CreateSecretCommand({ Name: 'kept', SecretString: 'still here' }));
    firstClient.destroy();
    await first.close();

    // Act
    const second = await startLocalSecretsManager({ stateFile });
    const secondClient = clientFor(second.endpoint);
    const value = await secondClient.send(new GetSecretValueCommand({ SecretId: 'kept' }));

    // Assess
    expect(value.SecretString).toBe('still here');
    secondClient.destroy();
    await second.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
