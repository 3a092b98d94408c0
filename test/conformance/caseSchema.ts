import { z } from 'zod';

/**
 * One conformance case (the format of /work/briefs/corpus-format.md): a definition, its input, and what AWS
 * answered when it ran (status, output, error/cause, the history's event types, or the creation error).
 */
const LambdaSpec = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('echo') }).strict(),
  z.object({ kind: z.literal('constant'), value: z.unknown() }).strict(),
  z.object({ kind: z.literal('raise'), error: z.string().min(1), cause: z.string().optional() }).strict(),
]);
export type LambdaSpec = z.infer<typeof LambdaSpec>;

const CreationError = z.object({ code: z.string().min(1), message: z.string().optional() }).strict();

export const ConformanceCase = z
  .object({
    id: z.string().min(1),
    source: z.string().min(1),
    language: z.enum(['JSONata', 'JSONPath']),
    definition: z.record(z.string(), z.unknown()),
    input: z.unknown().default({}),
    needs: z.array(z.string().min(1)).default([]),
    lambdas: z.record(z.string().min(1), LambdaSpec).default({}),
    /** Keys the recorded test itself does not verify (LocalStack's skip_snapshot_verify), skipped at any depth. */
    ignoreKeys: z.array(z.string().min(1)).default([]),
    expected: z
      .object({
        status: z.enum(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'CREATION_FAILED']),
        output: z.unknown().optional(),
        error: z.string().nullable().optional(),
        cause: z.string().nullable().optional(),
        events: z.array(z.string().min(1)).optional(),
        creationError: CreationError.nullable().optional(),
      })
      .strict()
      .refine((e) => (e.status === 'CREATION_FAILED') === Boolean(e.creationError), {
        message: 'creationError is required exactly when status is CREATION_FAILED',
        path: ['creationError'],
      }),
  })
  .strict();
export type ConformanceCase = z.infer<typeof ConformanceCase>;

/** Parses one case file's JSON; the error names the field, so a bad file is reported, not fatal. */
export function parseCase(value: unknown): ConformanceCase {
  const parsed = ConformanceCase.safeParse(value);
  if (!parsed.success)
    throw new Error(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
    );
  return parsed.data;
}
