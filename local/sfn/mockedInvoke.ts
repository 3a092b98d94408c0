/**
 * A mocked answer for a Task whose Resource is a Lambda function's ARN (not `arn:aws:states:::lambda:invoke`).
 * Step Functions Local's mock files write Lambda answers in the shape of Lambda's Invoke response
 * (`{ "StatusCode": 200, "Payload": … }`: "Using mocked service integrations for testing in Step Functions
 * Local", https://docs.aws.amazon.com/step-functions/latest/dg/sfn-local-mock-cfg-file.html), and a direct Lambda
 * task passes on only the payload (LocalStack's `state_task_lambda.py`: "In lambda invocations, only payload is
 * passed on as output", the mocked Return standing for the Invoke response). So such an answer gives its
 * Payload; any other Return (a plain object, as this project's own mock file writes) is the output as it is.
 */
export function directLambdaOutput(answer: unknown): unknown {
  if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) return answer;
  const record = answer as Record<string, unknown>;
  return 'Payload' in record && typeof record.StatusCode === 'number' ? record.Payload : answer;
}
