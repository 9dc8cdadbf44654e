import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

/** Where the rotator reads and writes the Paytia credentials secret, as raw JSON text. */
export interface TokenSecretStore {
  read(): Promise<string | undefined>;
  /**
   * Writes a new current version. `requestToken` makes the write idempotent: a retry with the same
   * token after a lost answer cannot create a second version.
   */
  write(secretString: string, requestToken: string): Promise<void>;
}

export function secretsManagerTokenStore(
  client: Pick<SecretsManagerClient, 'send'>,
  secretId: string,
): TokenSecretStore {
  return {
    async read() {
      const answer = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
      return answer.SecretString;
    },
    async write(secretString, requestToken) {
      await client.send(
        new PutSecretValueCommand({
          SecretId: secretId,
          SecretString: secretString,
          ClientRequestToken: requestToken,
        }),
      );
    },
  };
}
