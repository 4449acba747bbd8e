/** The model registry, as the review cycle reaches it. */
import type { ReviewActivities } from '../interfaces.js';
import type { LocalContext } from './context.js';

export function createModelActivities(context: LocalContext): Pick<ReviewActivities, 'resolveModel'> {
  return {
    async resolveModel({ modelVersion }) {
      const { version, modelKey } = await context.registry.resolve(modelVersion);
      return { version, modelKey };
    },
  };
}
