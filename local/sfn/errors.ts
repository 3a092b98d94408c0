/** An error the Step Functions API answers with, AWS-shaped: `__type` is the name the SDK turns into a class. */
export class SfnError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = type;
  }
}
