/**
 * What area functions throw. One place (trpc.ts) turns these into tRPC codes, which the REST
 * surface maps to HTTP statuses; no area knows about HTTP.
 */
export type AppErrorCode = 'NOT_FOUND' | 'FORBIDDEN' | 'CONFLICT' | 'BAD_REQUEST' | 'UNAUTHORIZED' | 'TOO_MANY_REQUESTS' | 'PRECONDITION_FAILED';

export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} was not found.`);
export const conflict = (message: string) => new AppError('CONFLICT', message);
export const invalid = (message: string) => new AppError('BAD_REQUEST', message);
export const forbidden = (message = 'You do not have permission to do this.') => new AppError('FORBIDDEN', message);

/** True when a Postgres error is the violation of the named unique constraint (a lost race, a taken name). */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const e = error as { code?: string; constraint?: string } | null;
  return e?.code === '23505' && e.constraint === constraint;
}
