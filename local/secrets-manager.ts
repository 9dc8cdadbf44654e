import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { type AwsOperation, AwsServiceError, startAwsJsonService } from './aws-json-service.js';

/**
 * A stand-in for AWS Secrets Manager, for the local stack and tests: no emulator for it exists on
 * the npm registry. It speaks the service's real wire protocol (AWS JSON 1.1, `X-Amz-Target`), so
 * the real SDK client talks to it when `AWS_ENDPOINT_URL_SECRETS_MANAGER` points here. It keeps
 * versions and the AWSCURRENT/AWSPREVIOUS staging labels as Secrets Manager does, and honours
 * `ClientRequestToken` idempotency. It does not check signatures or permissions.
 */
export interface LocalSecretsManager {
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

interface SecretVersion {
  versionId: string;
  value: string;
  stages: string[];
  createdAt: number;
}

interface Secret {
  name: string;
  arn: string;
  versions: SecretVersion[];
  createdAt: number;
}

export async function startLocalSecretsManager(
  options: { port?: number; host?: string; stateFile?: string; region?: string } = {},
): Promise<LocalSecretsManager> {
  const region = options.region ?? 'us-east-1';
  const secrets = new Map<string, Secret>(
    loadState(options.stateFile).map((secret) => [secret.name, secret]),
  );
  const save = () => {
    // Secret values in plain text: readable by the owner only.
    if (options.stateFile) {
      writeFileSync(options.stateFile, JSON.stringify([...secrets.values()], null, 2), { mode: 0o600 });
    }
  };

  const find = (secretId: unknown): Secret => {
    const secret =
      typeof secretId === 'string'
        ? (secrets.get(secretId) ?? [...secrets.values()].find((candidate) => candidate.arn === secretId))
        : undefined;
    if (!secret)
      throw new AwsServiceError(
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret.",
      );
    return secret;
  };

  const addVersion = (secret: Secret, value: string, token: unknown, stages: string[]): SecretVersion => {
    const versionId = typeof token === 'string' && token !== '' ? token : randomUUID();
    const existing = secret.versions.find((version) => version.versionId === versionId);
    if (existing) {
      if (existing.value !== value) {
        throw new AwsServiceError(
          'ResourceExistsException',
          'A version with this ClientRequestToken already exists.',
        );
      }
      return existing;
    }
    if (stages.includes('AWSCURRENT')) {
      // The old current version becomes the previous one; the old previous one loses its label.
      for (const version of secret.versions) {
        const wasCurrent = version.stages.includes('AWSCURRENT');
        version.stages = version.stages.filter((stage) => stage !== 'AWSPREVIOUS' && stage !== 'AWSCURRENT');
        if (wasCurrent) version.stages.push('AWSPREVIOUS');
      }
    }
    // Any other label given to the new version moves to it.
    for (const version of secret.versions) {
      version.stages = version.stages.filter((stage) => !stages.includes(stage));
    }
    const version = { versionId, value, stages, createdAt: Date.now() / 1000 };
    secret.versions.push(version);
    // Versions with no label are deprecated and, as in Secrets Manager, eventually dropped.
    secret.versions = secret.versions.filter((candidate) => candidate.stages.length > 0);
    return version;
  };

  const operations: Record<string, AwsOperation> = {
    CreateSecret(input) {
      const name = input.Name;
      if (typeof name !== 'string' || name === '')
        throw new AwsServiceError('ValidationException', 'Name is required.');
      if (secrets.has(name))
        throw new AwsServiceError('ResourceExistsException', `The secret ${name} already exists.`);
      const secret: Secret = {
        name,
        arn: `arn:aws:secretsmanager:${region}:000000000000:secret:${name}-${randomUUID().slice(0, 6)}`,
        versions: [],
        createdAt: Date.now() / 1000,
      };
      secrets.set(name, secret);
      const version =
        typeof input.SecretString === 'string'
          ? addVersion(secret, input.SecretString, input.ClientRequestToken, ['AWSCURRENT'])
          : undefined;
      save();
      return { ARN: secret.arn, Name: secret.name, VersionId: version?.versionId };
    },
    GetSecretValue(input) {
      const secret = find(input.SecretId);
      const version = secret.versions.find((candidate) =>
        typeof input.VersionId === 'string'
          ? candidate.versionId === input.VersionId
          : candidate.stages.includes(
              typeof input.VersionStage === 'string' ? input.VersionStage : 'AWSCURRENT',
            ),
      );
      if (!version) {
        throw new AwsServiceError(
          'ResourceNotFoundException',
          "Secrets Manager can't find the specified secret value for staging label or version.",
        );
      }
      return {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: version.versionId,
        SecretString: version.value,
        VersionStages: version.stages,
        CreatedDate: version.createdAt,
      };
    },
    PutSecretValue(input) {
      const secret = find(input.SecretId);
      if (typeof input.SecretString !== 'string') {
        throw new AwsServiceError('InvalidParameterException', 'You must provide SecretString.');
      }
      const stages = Array.isArray(input.VersionStages) ? input.VersionStages.map(String) : ['AWSCURRENT'];
      const version = addVersion(secret, input.SecretString, input.ClientRequestToken, stages);
      save();
      return {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: version.versionId,
        VersionStages: version.stages,
      };
    },
    DescribeSecret(input) {
      const secret = find(input.SecretId);
      return {
        ARN: secret.arn,
        Name: secret.name,
        CreatedDate: secret.createdAt,
        VersionIdsToStages: Object.fromEntries(
          secret.versions.map((version) => [version.versionId, version.stages]),
        ),
      };
    },
    ListSecrets() {
      return { SecretList: [...secrets.values()].map((secret) => ({ ARN: secret.arn, Name: secret.name })) };
    },
  };

  const service = await startAwsJsonService({
    targetPrefix: 'secretsmanager.',
    operations,
    internalErrorType: 'InternalServiceError',
    port: options.port,
    host: options.host,
  });
  return {
    endpoint: service.endpoint,
    port: service.port,
    close: service.close,
  };
}

function loadState(stateFile: string | undefined): Secret[] {
  if (!stateFile) return [];
  try {
    return JSON.parse(readFileSync(stateFile, 'utf8')) as Secret[];
  } catch {
    return [];
  }
}
