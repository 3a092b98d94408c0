/** Powertools Logger's levels: the values LOG_LEVEL (functions) and the `logLevel` context key (infra) take. */
export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];
