import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PaytiaWebhookStack } from './paytia-webhook-stack.js';
import { readSettings } from './settings.js';

/**
 * The CDK app as `cdk synth` and `cdk deploy` build it: settings from context, checked; the stack;
 * and the AWS Solutions checks, so an unacknowledged cdk-nag finding fails every synth and deploy.
 * Acknowledgements sit next to the resource they concern, each with its reason.
 */
export function buildApp(props: AppProps = {}): { app: App; stack: PaytiaWebhookStack } {
  const app = new App(props);
  const settings = readSettings((key) => app.node.tryGetContext(key));
  const stack = new PaytiaWebhookStack(app, settings.stackName, {
    ...settings,
    description: 'Paytia webhook receiver and auditor',
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
