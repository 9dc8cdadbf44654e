import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetFunctionConfigurationCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { FailedError, TargetError } from '../../../cli/errors.js';
import { DESCRIPTOR_FILE, type LocalStackDescriptor } from '../../../cli/local-descriptor.js';
import { explainError, OUTPUT_NAMES, resolveTarget } from '../../../cli/target.js';
import { OUTPUTS } from './harness.js';

const cloudFormation = mockClient(CloudFormationClient);
const lambda = mockClient(LambdaClient);

const DESCRIPTOR: LocalStackDescriptor = {
  kind: 'local',
  pid: 4242,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  endpoints: {
    dynamodb: 'http://127.0.0.1:8000',
    secretsmanager: 'http://127.0.0.1:8001',
    sns: 'http://127.0.0.1:8002',
    eventbridge: 'http://127.0.0.1:8003',
    paytia: 'http://127.0.0.1:4010/',
    api: 'http://127.0.0.1:3000',
  },
  outputs: { ...OUTPUTS, AuditFunctionName: 'audit' },
  invokeUrl: 'http://127.0.0.1:3000/_local/invoke/',
  invokeSecret: 'local-invoke-secret-0123456789',
};

let directory: string;

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'cli-target-'));
});

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

beforeEach(() => {
  cloudFormation.reset();
  lambda.reset();
});

/** A working directory holding a descriptor. */
function writeDescriptor(name: string, content: unknown): string {
  const cwd = mkdtempSync(join(directory, `${name}-`));
  writeFileSync(join(cwd, DESCRIPTOR_FILE), typeof content === 'string' ? content : JSON.stringify(content));
  return cwd;
}

describe('the local stack (default)', () => {
  it('fails with exit 2 and "start the local stack with npm start" when there is no descriptor', async () => {
    const act = resolveTarget({ cwd: directory });
    await expect(act).rejects.toThrow(TargetError);
    await expect(act).rejects.toThrow(
      `no local stack here (${join(directory, DESCRIPTOR_FILE)} does not exist): start the local stack with npm start`,
    );
  });

  it.each([
    ['not JSON', '{oops', 'is not JSON; restart the local stack with npm start'],
    ['missing fields', { kind: 'local' }, 'is not a local stack description (region, credentials, endpoints'],
    [
      'from before the invoke secret',
      { ...DESCRIPTOR, invokeSecret: undefined },
      'is not a local stack description (invokeSecret); restart it with npm start',
    ],
  ])('refuses a descriptor that is %s', async (name, content, message) => {
    const cwd = writeDescriptor(name.replace(' ', '-'), content);
    await expect(resolveTarget({ cwd })).rejects.toThrow(message);
  });

  it('reads outputs and endpoints from the descriptor in the working directory', async () => {
    const cwd = writeDescriptor('valid', DESCRIPTOR);
    const target = await resolveTarget({ cwd });
    try {
      expect(target.name).toBe('local');
      expect(target.outputs).toEqual(DESCRIPTOR.outputs);
      expect(await target.paytiaBaseUrl()).toBe('http://127.0.0.1:4010/');
      expect(await target.dynamodb.config.endpoint?.()).toMatchObject({ hostname: '127.0.0.1', port: 8000 });
      expect(await target.secretsManager.config.endpoint?.()).toMatchObject({ port: 8001 });
    } finally {
      target.destroy();
    }
  });

  it('reads the descriptor named by PAYTIA_LOCAL_DESCRIPTOR, as npm start writes it', async () => {
    const elsewhere = writeDescriptor('elsewhere', DESCRIPTOR);
    const target = await resolveTarget({
      cwd: directory,
      env: { PAYTIA_LOCAL_DESCRIPTOR: join(elsewhere, DESCRIPTOR_FILE) },
    });
    target.destroy();
    expect(target.outputs.DeliveriesTableName).toBe(OUTPUTS.DeliveriesTableName);
  });

  describe('invoke: POST <invokeUrl><function>', () => {
    async function localWith(fetch: typeof globalThis.fetch) {
      return resolveTarget({ cwd: writeDescriptor('invoke', DESCRIPTOR), fetch });
    }

    it("sends the event as JSON with the stack's invoke secret, and answers the result", async () => {
      const fetch = vi.fn(async () => Response.json({ audited: 2 }));
      const target = await localWith(fetch);
      expect(await target.invoke('audit', { mode: 'audit' })).toEqual({ audited: 2 });
      expect(fetch).toHaveBeenCalledWith('http://127.0.0.1:3000/_local/invoke/audit', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${DESCRIPTOR.invokeSecret}` },
        body: '{"mode":"audit"}',
      });
      target.destroy();
    });

    it('turns a 500 {"error"} into a FailedError carrying the message', async () => {
      const target = await localWith(async () =>
        Response.json({ error: 'Error: Paytia is down' }, { status: 500 }),
      );
      const act = target.invoke('audit', {});
      await expect(act).rejects.toThrow(FailedError);
      await expect(act).rejects.toThrow('audit failed: Error: Paytia is down');
      target.destroy();
    });

    it('says the local stack cannot be reached when the connection is refused', async () => {
      const refused = Object.assign(new TypeError('fetch failed'), {
        cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      });
      const target = await localWith(async () => Promise.reject(refused));
      await expect(target.invoke('audit', {})).rejects.toThrow(
        'cannot reach the local stack (ECONNREFUSED): is npm start still running?',
      );
      target.destroy();
    });
  });
});

describe('a deployed stack (--stack)', () => {
  const stackOutputs = OUTPUT_NAMES.map((name) => ({ OutputKey: name, OutputValue: OUTPUTS[name] }));

  it('reads the outputs with DescribeStacks', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'PaytiaWebhooks',
          CreationTime: new Date(),
          StackStatus: 'UPDATE_COMPLETE',
          Outputs: [...stackOutputs, { OutputKey: 'Other', OutputValue: 'x' }],
        },
      ],
    });
    const target = await resolveTarget({ cwd: directory, stack: 'PaytiaWebhooks', region: 'eu-west-2' });
    try {
      expect(target.name).toBe('PaytiaWebhooks');
      expect(target.kind).toBe('aws');
      expect(target.outputs).toEqual(OUTPUTS);
      expect(cloudFormation).toHaveReceivedCommandWith(DescribeStacksCommand, {
        StackName: 'PaytiaWebhooks',
      });
      expect(await target.dynamodb.config.region()).toBe('eu-west-2');
      // No endpoint override: the SDK's own endpoint for the region.
      expect(target.dynamodb.config.endpoint).toBeUndefined();
    } finally {
      target.destroy();
    }
  });

  it('names the stack and region when there is no such stack', async () => {
    cloudFormation
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError' }));
    const act = resolveTarget({ cwd: directory, stack: 'Nope', region: 'eu-west-2' });
    await expect(act).rejects.toThrow(TargetError);
    await expect(act).rejects.toThrow('no stack named "Nope" in eu-west-2; check --stack and --region');
  });

  it('names the outputs a stack lacks', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'Old',
          CreationTime: new Date(),
          StackStatus: 'CREATE_COMPLETE',
          Outputs: stackOutputs.filter((output) => !output.OutputKey.endsWith('FunctionName')),
        },
      ],
    });
    await expect(resolveTarget({ cwd: directory, stack: 'Old', region: 'eu-west-2' })).rejects.toThrow(
      'stack "Old" has no output AuditFunctionName, RotateTokenFunctionName: is it the Paytia webhook stack',
    );
  });

  it('explains missing credentials', async () => {
    cloudFormation.on(DescribeStacksCommand).rejects(
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
    );
    await expect(resolveTarget({ cwd: directory, stack: 'S', region: 'eu-west-2' })).rejects.toThrow(
      'no AWS credentials found: configure them as for the AWS CLI',
    );
  });

  describe('with the stack found', () => {
    beforeEach(() => {
      cloudFormation.on(DescribeStacksCommand).resolves({
        Stacks: [
          { StackName: 'S', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: stackOutputs },
        ],
      });
    });

    it('invokes a function with Lambda Invoke, RequestResponse', async () => {
      lambda.on(InvokeCommand).resolves({
        StatusCode: 200,
        Payload: new TextEncoder().encode('{"audited":3}') as never,
      });
      const target = await resolveTarget({ cwd: directory, stack: 'S', region: 'eu-west-2' });
      expect(await target.invoke('audit-fn', { mode: 'audit' })).toEqual({ audited: 3 });
      expect(lambda).toHaveReceivedCommandWith(InvokeCommand, {
        FunctionName: 'audit-fn',
        InvocationType: 'RequestResponse',
      });
      const payload = lambda.commandCalls(InvokeCommand)[0]?.args[0].input.Payload as Uint8Array;
      expect(new TextDecoder().decode(payload)).toBe('{"mode":"audit"}');
      target.destroy();
    });

    it('turns a function error into a FailedError with its errorMessage', async () => {
      lambda.on(InvokeCommand).resolves({
        StatusCode: 200,
        FunctionError: 'Unhandled',
        Payload: new TextEncoder().encode(
          '{"errorType":"Error","errorMessage":"audit: unknown invocation"}',
        ) as never,
      });
      const target = await resolveTarget({ cwd: directory, stack: 'S', region: 'eu-west-2' });
      await expect(target.invoke('audit-fn', {})).rejects.toThrow(
        'audit-fn failed: audit: unknown invocation',
      );
      target.destroy();
    });

    it("reads Paytia's base URL from the audit function's configuration", async () => {
      lambda.on(GetFunctionConfigurationCommand).resolves({
        Environment: { Variables: { PAYTIA_BASE_URL: 'https://accounts.pay729.guru/' } },
      });
      const target = await resolveTarget({ cwd: directory, stack: 'S', region: 'eu-west-2' });
      expect(await target.paytiaBaseUrl()).toBe('https://accounts.pay729.guru/');
      expect(lambda).toHaveReceivedCommandWith(GetFunctionConfigurationCommand, { FunctionName: 'audit-fn' });
      target.destroy();
    });
  });
});

describe('explainError', () => {
  const unreachable = (reason: string) => `cannot reach (${reason})`;

  it.each([
    [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' }),
      'cannot reach (ECONNREFUSED)',
    ],
    [Object.assign(new Error('getaddrinfo'), { code: 'ENOTFOUND' }), 'cannot reach (ENOTFOUND)'],
    [Object.assign(new Error('slow'), { name: 'TimeoutError' }), 'cannot reach (timed out)'],
    [new Error('Region is missing'), 'no AWS region: pass --region or set AWS_REGION'],
    [
      Object.assign(new Error('expired'), { name: 'ExpiredTokenException' }),
      'AWS refused your credentials (ExpiredTokenException)',
    ],
    [
      Object.assign(new Error('User: arn:aws:iam::1:user/x is not authorized to perform: dynamodb:Scan'), {
        name: 'AccessDeniedException',
      }),
      'AWS denied access (User: arn:aws:iam::1:user/x is not authorized to perform: dynamodb:Scan)',
    ],
  ])('explains %s', (error, message) => {
    const explained = explainError(error, unreachable);
    expect(explained).toBeInstanceOf(TargetError);
    expect(explained?.message).toContain(message);
  });

  it('leaves other errors alone', () => {
    expect(explainError(new Error('ProvisionedThroughputExceededException'), unreachable)).toBeUndefined();
    expect(explainError('text', unreachable)).toBeUndefined();
  });
});
