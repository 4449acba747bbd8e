/** Where a Temporal client or worker connects. */
export interface TemporalTarget {
  /** `host:port` of the frontend service. */
  address: string;
  namespace: string;
}

/** The default local dev server address, as the Temporal CLI uses it. */
export const defaultTemporalAddress = 'localhost:7233';

/**
 * The target named by the environment: `TEMPORAL_ADDRESS` and `TEMPORAL_NAMESPACE`, the variables the
 * `temporal` CLI reads too.
 *
 * @default `localhost:7233`, namespace `default`
 */
export function temporalTargetFromEnv(env: NodeJS.ProcessEnv = process.env): TemporalTarget {
  return {
    address: env.TEMPORAL_ADDRESS || defaultTemporalAddress,
    namespace: env.TEMPORAL_NAMESPACE || 'default',
  };
}
