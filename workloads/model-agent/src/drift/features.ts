/**
 * Feature rows out of captured request bodies, per protocol. A request may carry several rows
 * (a batch); each row maps feature names, as the baseline names them, to values.
 *
 * - `http`: a JSON object is one row of its top-level scalar fields; an object with an
 *   `instances` array of objects (TF Serving / Vertex style) or a top-level array of objects
 *   gives one row per element.
 * - `kserve-v2`: every input tensor is a feature; row r takes element r of the first dimension.
 *   A tensor of shape [B] or [B, 1] is feature `<name>`; one of shape [B, k] gives features
 *   `<name>[0]` ... `<name>[k-1]`. `data` may be flat (row-major) or nested.
 * - `openai`: one row per request of derived features: `message_count` and `prompt_chars` (the
 *   characters of all text content), plus `max_tokens` and `temperature` when set.
 */
import type { ModelProtocol } from '../../../../lib/config/types';
import type { Row } from './stats';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isScalar = (value: unknown): boolean =>
  typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean';

export function extractRows(protocol: ModelProtocol, request: unknown): Row[] {
  switch (protocol) {
    case 'http':
      return httpRows(request);
    case 'kserve-v2':
      return kserveRows(request);
    case 'openai':
      return openAiRows(request);
  }
}

function scalarFields(value: Json): Row {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => isScalar(field)));
}

function httpRows(request: unknown): Row[] {
  if (Array.isArray(request)) return request.filter(isObject).map(scalarFields);
  if (!isObject(request)) return [];
  if (Array.isArray(request.instances)) return request.instances.filter(isObject).map(scalarFields);
  return [scalarFields(request)];
}

function kserveRows(request: unknown): Row[] {
  if (!isObject(request) || !Array.isArray(request.inputs)) return [];
  const rows: Record<string, unknown>[] = [];
  for (const input of request.inputs) {
    if (!isObject(input) || typeof input.name !== 'string' || !Array.isArray(input.data)) continue;
    const data = (input.data as unknown[]).flat(Number.POSITIVE_INFINITY);
    const shape =
      Array.isArray(input.shape) && input.shape.every((n) => Number.isInteger(n))
        ? (input.shape as number[])
        : [data.length];
    const batch = shape[0] ?? 1;
    const width = shape.slice(1).reduce((product, n) => product * n, 1);
    if (batch <= 0 || width <= 0 || batch * width !== data.length) continue;
    for (let r = 0; r < batch; r++) {
      const row = rows[r] ?? {};
      rows[r] = row;
      for (let c = 0; c < width; c++) {
        const value = data[r * width + c];
        if (!isScalar(value)) continue;
        row[width === 1 ? input.name : `${input.name}[${c}]`] = value;
      }
    }
  }
  return rows;
}

function openAiRows(request: unknown): Row[] {
  if (!isObject(request) || !Array.isArray(request.messages)) return [];
  let promptChars = 0;
  for (const message of request.messages) {
    if (!isObject(message)) continue;
    if (typeof message.content === 'string') promptChars += message.content.length;
    else if (Array.isArray(message.content)) {
      for (const part of message.content) {
        if (isObject(part) && typeof part.text === 'string') promptChars += part.text.length;
      }
    }
  }
  const row: Record<string, unknown> = { message_count: request.messages.length, prompt_chars: promptChars };
  if (typeof request.max_tokens === 'number') row.max_tokens = request.max_tokens;
  if (typeof request.temperature === 'number') row.temperature = request.temperature;
  return [row];
}
