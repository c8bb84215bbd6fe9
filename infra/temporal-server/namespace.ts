// What a Temporal cluster must hold before Nurture runs on it: the namespace and the journey's
// search attributes (SEARCH_ATTRIBUTES). The dev server gets both from its command line; a
// real cluster gets them here, through the frontend's own API, idempotently.
import { isGrpcServiceError, type Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import proto, { type temporal } from '@temporalio/proto'; // CommonJS: named values only through the default
import { SEARCH_ATTRIBUTES } from '../../workflows/journey/search-attributes.ts';

const { IndexedValueType } = proto.temporal.api.enums.v1;
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;
/** How long closed journeys stay visible before Temporal deletes their history. */
export const NAMESPACE_RETENTION = '7 days';

type Log = (line: string) => void;

/** 'KeywordList' → INDEXED_VALUE_TYPE_KEYWORD_LIST, as the CLI's `--type` names map to the API. */
function indexedValueType(type: string): temporal.api.enums.v1.IndexedValueType {
  const key = `INDEXED_VALUE_TYPE_${type.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}` as keyof typeof IndexedValueType;
  const value = IndexedValueType[key];
  if (typeof value !== 'number') throw new Error(`unknown search attribute type ${type}`);
  return value;
}

/** Registers the namespace when it is missing and waits until the frontend serves it. */
export async function ensureNamespace(connection: Connection, namespace: string, log: Log, timeoutMs = 60_000): Promise<void> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
    return;
  } catch (err) {
    if (!isGrpcServiceError(err) || err.code !== NOT_FOUND) throw err;
  }
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs(NAMESPACE_RETENTION),
    });
    log(`registered namespace ${namespace}`);
  } catch (err) {
    if (!isGrpcServiceError(err) || err.code !== ALREADY_EXISTS) throw err;
  }
  // describeNamespace reads the database, but most calls go through the frontend's namespace
  // cache, refreshed every few seconds: wait until a visibility call finds the namespace.
  await pollUntil(`namespace ${namespace} to be served`, timeoutMs, async () => {
    await connection.workflowService.countWorkflowExecutions({ namespace, query: '' });
  });
}

/** The journey's search attributes that the namespace lacks (their names), or a type conflict. */
export async function missingSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing: string[] = [];
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) {
    const existing = customAttributes?.[name];
    if (existing === undefined || existing === null) missing.push(name);
    else if (existing !== indexedValueType(type)) {
      throw new Error(
        `search attribute ${name} exists in namespace ${namespace} as ${IndexedValueType[existing]}, but Nurture needs ${type}`,
      );
    }
  }
  return missing;
}

/**
 * Adds the missing search attributes, then waits until a visibility query naming all of them
 * is accepted, which is when workflows can set them too.
 */
export async function ensureSearchAttributes(
  connection: Connection,
  namespace: string,
  log: Log,
  timeoutMs = 60_000,
): Promise<void> {
  const missing = await missingSearchAttributes(connection, namespace);
  if (missing.length > 0) {
    const searchAttributes = Object.fromEntries(
      missing.map((name) => [name, indexedValueType(SEARCH_ATTRIBUTES[name as keyof typeof SEARCH_ATTRIBUTES])]),
    );
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
    log(`registered search attributes ${missing.join(', ')} in ${namespace}`);
  }
  const query = Object.keys(SEARCH_ATTRIBUTES)
    .map((name) => `${name} IS NOT NULL`)
    .join(' AND ');
  // Refused (INVALID_ARGUMENT) until the frontend's namespace cache has the new attributes.
  await pollUntil('search attributes to be usable', timeoutMs, async () => {
    await connection.workflowService.countWorkflowExecutions({ namespace, query });
  });
}

async function pollUntil(what: string, timeoutMs: number, attempt: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${String(err)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
