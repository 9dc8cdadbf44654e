import { App } from 'aws-cdk-lib';
import { PaytiaWebhookStack } from './paytia-webhook-stack.js';
import { readSettings } from './settings.js';

const app = new App();
const settings = readSettings((key) => app.node.tryGetContext(key));
new PaytiaWebhookStack(app, settings.stackName, {
  ...settings,
  description: 'Paytia webhook receiver and auditor',
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
