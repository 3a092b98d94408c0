import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readAppConfig, type AppConfig } from '../../infra/config';
import { MeetingSchedulerStack } from '../../infra/stack';

/** The context every infra test deploys with; each test adds what it is about. */
export const CONTEXT = {
  jitsiDomain: 'meet.example.com',
  hostedZoneId: 'Z0123456789EXAMPLE',
  acmeEmail: 'ops@example.com',
  allowedOrigin: 'https://app.example.com',
};

/**
 * The real stack with this context. Bundling is skipped (esbuild is exercised by `npx cdk synth`); with
 * `withNag` the cdk-nag AwsSolutions checks run at app.synth() and no template is made.
 */
export function synth(
  context: Record<string, unknown> = {},
  withNag = false,
  extend?: (stack: MeetingSchedulerStack) => void,
) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const config: AppConfig = readAppConfig((k) => ({ ...CONTEXT, ...context })[k]);
  const stack = new MeetingSchedulerStack(app, 'MeetingScheduler', { config });
  extend?.(stack);
  if (withNag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, template: withNag ? undefined : Template.fromStack(stack) };
}

export type Statement = { Action: string | string[]; Resource: unknown; Condition?: Record<string, unknown> };

/** Every IAM statement of the policies whose logical id starts with `rolePathPart`. */
export function statementsOf(template: Template, rolePathPart: string): Statement[] {
  return Object.entries(template.findResources('AWS::IAM::Policy'))
    .filter(([id]) => id.startsWith(rolePathPart))
    .flatMap(
      ([, p]) =>
        (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
          .Statement,
    );
}

export const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
