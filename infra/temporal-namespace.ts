// What a Temporal cluster must hold before Nurture runs on it: the namespace and the custom
// search attributes the workflows set (workflows/journey/search-attributes.ts). The dev server
// gets both from its command line; a real cluster gets them here, through the frontend's own
// API, idempotently.
import { isGrpcServiceError, type Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import proto, { type temporal } from '@temporalio/proto'; // CommonJS: named values only through the default

const { IndexedValueType } = proto.temporal.api.enums.v1;
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;
/** How long closed journeys stay visible before Temporal deletes their history. */
const NAMESPACE_RETENTION = '7 days';

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

/** Custom search attributes by name and type (Keyword, Bool, Int, …), as the CLI names the types. */
export type SearchAttributeTypes = Readonly<Record<string, string>>;

/** Those of `wanted` that the namespace lacks (their names); throws on a type conflict. */
export async function missingSearchAttributes(
  connection: Connection,
  namespace: string,
  wanted: SearchAttributeTypes,
): Promise<string[]> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing: string[] = [];
  for (const [name, type] of Object.entries(wanted)) {
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
  wanted: SearchAttributeTypes,
  log: Log,
  timeoutMs = 60_000,
): Promise<void> {
  const missing = await missingSearchAttributes(connection, namespace, wanted);
  if (missing.length > 0) {
    const searchAttributes = Object.fromEntries(missing.map((name) => [name, indexedValueType(wanted[name]!)]));
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
    log(`registered search attributes ${missing.join(', ')} in ${namespace}`);
  }
  const query = Object.keys(wanted)
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
      if (Date.now() > deadline)
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${String(err)}`, { cause: err });
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
