import { readFileSync } from 'node:fs';
import type { AwsCallTable } from '../functions/shared/awsCalls';
import { DEFINITION_PATH } from './definition';

/**
 * The state machine's own calls, with its role: every Task state invokes the function its `Resource` names
 * (`${LaunchFunctionArn}`, …). The site's env holds the definition substitutions as deployed.
 */
export const awsCalls: AwsCallTable = (site) => {
  const placeholders = new Set(
    [...readFileSync(DEFINITION_PATH, 'utf8').matchAll(/"Resource":\s*"\$\{(\w+)\}"/g)].map((m) => m[1]),
  );
  return [...placeholders].map((placeholder) => ({
    command: `Task \${${placeholder}}`,
    action: 'lambda:InvokeFunction',
    resource: site.env[placeholder],
    why: `a Task state invokes \${${placeholder}}`,
  }));
};
