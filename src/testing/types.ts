/** The spec's schemas, by name: every answer of the local server is built as one of these. */
import type { components } from '../../generated/schema.js';

export type Schemas = components['schemas'];
