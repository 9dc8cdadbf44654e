import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, type IPolicyValidationPlugin, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/build-app.js';
import { PaytiaWebhookStack, type PaytiaWebhookStackProps } from '../../infra/paytia-webhook-stack.js';

/**
 * The security checks as a deploy runs them: cdk-nag's AwsSolutions pack (which `infra/app.ts`
 * registers for every synth) and the cfn-guard validator with the Control Tower proactive
 * controls (offline: the package ships the guard binary). Both report through CDK's policy
 * validation, which drops a finding acknowledged on the resource or one of its parents.
 */

interface Violation {
  ruleName: string;
  description: string;
  violatingConstructs: Array<{ constructPath: string }>;
  acknowledgedId?: string;
  acknowledgedAt?: string;
  reason?: string;
}
interface Report {
  pluginReports: Array<{
    pluginName: string;
    conclusion: string;
    violations: Violation[];
    suppressedViolations?: Violation[];
  }>;
}

const outDirs: string[] = [];
afterAll(() => {
  for (const dir of outDirs) rmSync(dir, { recursive: true, force: true });
});

/** Synthesises with both checks; returns the app and the validation report, or the error. */
function synthWithChecks(change?: (stack: PaytiaWebhookStack) => void, props: PaytiaWebhookStackProps = {}) {
  const outdir = mkdtempSync(join(tmpdir(), 'policy-checks-'));
  outDirs.push(outdir);
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new PaytiaWebhookStack(app, 'PaytiaWebhooks', {
    alertEmail: 'on-call@example.com',
    ...props,
  });
  change?.(stack);
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app),
    // The validator implements the Beta1 plugin interface, which the stable one accepts as is.
    new CfnGuardValidator() as unknown as IPolicyValidationPlugin,
  );
  let error: unknown;
  try {
    app.synth();
  } catch (caught) {
    error = caught;
  }
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as Report;
  return { app, stack, report, error };
}

const pluginReport = (report: Report, name: string) => {
  const found = report.pluginReports.find((plugin) => plugin.pluginName === name);
  expect(found, `a report from ${name}`).toBeDefined();
  return found as Report['pluginReports'][number];
};

/** Every acknowledgement recorded anywhere in the construct tree: rule id, where, why. */
function acknowledgements(root: IConstruct) {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          id: id.replace(/^Annotation::/i, ''),
          at: construct.node.path,
          reason,
        })),
      ),
  );
}

let checked: ReturnType<typeof synthWithChecks>;

beforeAll(() => {
  checked = synthWithChecks();
}, 60_000);

/** cdk-nag's findings with acknowledgements ignored: what each acknowledgement answers. */
function rawCdkNagFindings(root: IConstruct) {
  const pack = new AwsSolutionsChecks();
  // cdk-nag drops acknowledged findings itself (before CDK's report sees them); look past that.
  (pack as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
  return pack
    .validateScope(root)
    .violations.flatMap((v) =>
      v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.constructPath })),
    );
}

const within = (path: string | undefined, at: string) => path === at || path?.startsWith(`${at}/`);

/** Every finding the checks reported and nobody acknowledged. */
const unacknowledged = (report: Report) =>
  report.pluginReports.flatMap((plugin) =>
    plugin.violations.map(
      (v) => `${plugin.pluginName}: ${v.ruleName} at ${v.violatingConstructs.map((c) => c.constructPath)}`,
    ),
  );

const inventoryOf = (root: IConstruct) =>
  acknowledgements(root).map(({ id, at }) => `${id} @ ${at.replace(/^PaytiaWebhooks\//, '')}`);

describe('cdk-nag AwsSolutions and cfn-guard', () => {
  it('synthesise the stack with no unacknowledged finding', () => {
    expect(checked.error).toBeUndefined();
    for (const plugin of checked.report.pluginReports) {
      expect(
        plugin.violations.map((v) => `${v.ruleName} at ${v.violatingConstructs.map((c) => c.constructPath)}`),
        plugin.pluginName,
      ).toEqual([]);
      expect(plugin.conclusion).toBe('success');
    }
    // cfn-guard ran (its acknowledged findings are in the report); cdk-nag filters its own.
    expect(
      pluginReport(checked.report, 'cdk-validator-cfnguard').suppressedViolations?.length,
    ).toBeGreaterThan(0);
    expect(new AwsSolutionsChecks().validateScope(checked.app).violations).toEqual([]);
  });

  it('acknowledge exactly these findings, each on the resource it concerns', () => {
    // A new acknowledgement is a review decision: add it here, with its reason in the code.
    expect(inventoryOf(checked.app).sort()).toEqual(
      [
        // Paytia sends no credentials an authorizer could check; the function checks the path token.
        'AwsSolutions-APIG4 @ ingest/api/POST--webhooks--paytia--{token}',
        'AwsSolutions-APIG4 @ ingest/api/POST--webhooks--paytia--{token}--transaction',
        'AwsSolutions-APIG4 @ ingest/api/default-route',
        'cdk-validator-cfnguard::api_gw_v2_authorization_type_configured_check @ ingest/api/POST--webhooks--paytia--{token}',
        'cdk-validator-cfnguard::api_gw_v2_authorization_type_configured_check @ ingest/api/POST--webhooks--paytia--{token}--transaction',
        'cdk-validator-cfnguard::api_gw_v2_authorization_type_configured_check @ ingest/api/default-route',
        // The rule cannot read a SourceArn built with Fn::Join (security.test.ts checks the ARN).
        'cdk-validator-cfnguard::lambda_function_public_access_prohibited_check @ ingest/api/POST--webhooks--paytia--{token}',
        'cdk-validator-cfnguard::lambda_function_public_access_prohibited_check @ ingest/api/POST--webhooks--paytia--{token}--transaction',
        'cdk-validator-cfnguard::lambda_function_public_access_prohibited_check @ ingest/api/default-route',
        // Rotated by an operator (the webhook token) and by the rotate-token function (Paytia's token).
        'AwsSolutions-SMG4 @ ingest/webhook-token',
        'AwsSolutions-SMG4 @ token-rotation/paytia-credentials',
        // The failed-runs queue is the dead-letter queue.
        'AwsSolutions-SQS3 @ audit/failed-runs',
        'cdk-validator-cfnguard::sqs_dlq_check @ audit/failed-runs',
        // Logs carry no secret, and CloudWatch encrypts them at rest anyway.
        'cdk-validator-cfnguard::cloudwatch_log_group_encrypted_check @ ingest/ingest-webhook-logs',
        'cdk-validator-cfnguard::cloudwatch_log_group_encrypted_check @ ingest/access-logs',
        'cdk-validator-cfnguard::cloudwatch_log_group_encrypted_check @ token-rotation/rotate-token-logs',
        'cdk-validator-cfnguard::cloudwatch_log_group_encrypted_check @ audit/audit-logs',
        // No private network to be in.
        'cdk-validator-cfnguard::lambda_inside_vpc_check @ ingest/ingest-webhook',
        'cdk-validator-cfnguard::lambda_inside_vpc_check @ token-rotation/rotate-token',
        'cdk-validator-cfnguard::lambda_inside_vpc_check @ audit/audit',
      ].sort(),
    );
  });

  it('with every function traced, acknowledge only the X-Ray grant on "*" besides, on its own policy', () => {
    const traced = synthWithChecks(undefined, { tracing: 'all' });
    expect(traced.error).toBeUndefined();
    expect(unacknowledged(traced.report)).toEqual([]);
    const added = inventoryOf(traced.app).filter((entry) => !inventoryOf(checked.app).includes(entry));
    // X-Ray's two actions cannot be scoped to a resource.
    expect(added.sort()).toEqual(
      [
        'AwsSolutions-IAM5[Resource::*] @ ingest/ingest-webhook-tracing',
        'AwsSolutions-IAM5[Resource::*] @ token-rotation/rotate-token-tracing',
        'AwsSolutions-IAM5[Resource::*] @ audit/audit-tracing',
      ].sort(),
    );
    const cdkNag = rawCdkNagFindings(traced.app);
    for (const entry of added) {
      const [id, at] = entry.split(' @ ');
      expect(
        cdkNag.some((finding) => finding.rule === id && within(finding.path, `PaytiaWebhooks/${at}`)),
        entry,
      ).toBe(true);
    }
  }, 60_000);

  it('give each acknowledgement a specific reason, on a resource and never on the whole stack or app', () => {
    const all = acknowledgements(checked.app);
    expect(all.length).toBeGreaterThan(10);
    for (const { id, at, reason } of all) {
      expect(id).toMatch(/^(AwsSolutions-[A-Z]+\d+(\[.+\])?|cdk-validator-cfnguard::[a-z0-9_]+)$/);
      expect(at.split('/').length, `${id} at ${at}`).toBeGreaterThan(2);
      expect(reason.length, `${id} at ${at}`).toBeGreaterThan(120);
    }
  });

  it('leave no stale acknowledgement: each one answers a finding at that place', () => {
    const cdkNag = rawCdkNagFindings(checked.app);
    const guard = pluginReport(checked.report, 'cdk-validator-cfnguard').suppressedViolations ?? [];
    for (const { id, at } of acknowledgements(checked.app)) {
      const answered = id.startsWith('cdk-validator-cfnguard::')
        ? guard.some((v) => v.acknowledgedId === id && v.acknowledgedAt === at)
        : cdkNag.some((finding) => finding.rule === id && within(finding.path, at));
      expect(answered, `${id} at ${at}`).toBe(true);
    }
  });

  it('fail the synth on a new finding: a function allowed every DynamoDB action', () => {
    const { report, error } = synthWithChecks((stack) =>
      stack.audit.function.addToRolePolicy(
        new PolicyStatement({ actions: ['dynamodb:*'], resources: [stack.deliveries.table.tableArn] }),
      ),
    );
    expect(String(error)).toMatch(/ValidationFailed/);
    const found = report.pluginReports.flatMap((plugin) =>
      plugin.violations.map((v) => ({
        plugin: plugin.pluginName,
        rule: v.ruleName,
        at: v.violatingConstructs.map((c) => c.constructPath),
      })),
    );
    const policy = ['PaytiaWebhooks/audit/audit-role/DefaultPolicy/Resource'];
    expect(found).toEqual([
      { plugin: 'AwsSolutions', rule: 'AwsSolutions-IAM5[Action::dynamodb:*]', at: policy },
      {
        plugin: 'cdk-validator-cfnguard',
        rule: 'iam_inline_policy_no_statements_with_full_access_check',
        at: policy,
      },
    ]);
  }, 60_000);
});

describe('the app that cdk synth and cdk deploy run (infra/app.ts)', () => {
  const build = () => {
    const outdir = mkdtempSync(join(tmpdir(), 'policy-checks-'));
    outDirs.push(outdir);
    return buildApp({ outdir, context: { 'aws:cdk:bundling-stacks': [], stackName: 'PaytiaWebhooksCheck' } });
  };

  it('synthesises with the AWS Solutions checks on', () => {
    const { app, stack } = build();
    expect(stack.stackName).toBe('PaytiaWebhooksCheck');
    expect(() => app.synth()).not.toThrow();
  });

  it('fails the synth on an unacknowledged cdk-nag finding', () => {
    const { app, stack } = build();
    stack.ingest.function.addToRolePolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: ['*'] }),
    );
    expect(() => app.synth()).toThrow(
      /PaytiaWebhooksCheck\/ingest\/ingest-webhook-role\/DefaultPolicy[\s\S]*AwsSolutions-IAM5\[Resource::\*\]/,
    );
  });
});
