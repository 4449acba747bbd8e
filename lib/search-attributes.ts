import { isGrpcServiceError, type Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes.js';
import type { SearchAttributeKey } from '../workflows/definitions.js';

const grpcAlreadyExists = 6;

async function registered(connection: Connection, namespace: string): Promise<Record<string, number>> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  return (customAttributes ?? {}) as Record<string, number>;
}

/**
 * Registers on the server each key it does not know yet, so it is safe to call on every start, and by several
 * processes at once. A key the server knows with another type is an error: it cannot be changed in place.
 *
 * @returns the names of the keys it added
 */
export async function registerSearchAttributes(
  connection: Connection,
  namespace: string,
  keys: readonly SearchAttributeKey[],
): Promise<string[]> {
  const known = await registered(connection, namespace);
  const conflicts = keys.filter((key) => key.name in known && known[key.name] !== encode(key));
  if (conflicts.length > 0) {
    const names = conflicts.map((key) => `${key.name} (wanted ${key.type})`).join(', ');
    throw new Error(`Search attributes registered with another type in namespace ${namespace}: ${names}`);
  }

  const missing = keys.filter((key) => !(key.name in known));
  if (missing.length === 0) return [];
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, encode(key)])),
    });
  } catch (error) {
    // Another process registered them first.
    if (!isGrpcServiceError(error) || error.code !== grpcAlreadyExists) throw error;
  }
  return missing.map((key) => key.name);
}

function encode(key: SearchAttributeKey): number {
  const type = encodeSearchAttributeIndexedValueType(key.type);
  if (type === undefined) throw new TypeError(`Unknown search attribute type ${key.type}`);
  return type;
}
