declare module 'vitest' {
  export interface ProvidedContext {
    /** `postgres://…/` of the run's cluster; append a database name. */
    postgresServerUrl: string;
  }
}
export {};
