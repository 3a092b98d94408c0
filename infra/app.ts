import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readAppConfig } from './config';
import { MeetingSchedulerStack } from './stack';

const app = new App();
const config = readAppConfig((key) => app.node.tryGetContext(key));
new MeetingSchedulerStack(app, 'MeetingScheduler', {
  config,
  // Environment-agnostic unless the deployer's CLI names one: `npx cdk synth` needs no credentials.
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
