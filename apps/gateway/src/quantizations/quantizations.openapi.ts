// OpenAPI description of the quantization and stored-model routes, merged into
// the gateway's document (docs/openapi.document.ts).

import { QUANT_PRESET_NAMES } from '@tessera/contracts';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const error = (description: string) => ({ description, ...json(ref('Error')) });
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'Quantization id (qz-...).' };
const nameParam = { name: 'name', in: 'path', required: true, schema: { type: 'string' } };
const tagParam = { name: 'tag', in: 'path', required: true, schema: { type: 'string' } };
const common = { '401': error('Missing, invalid or revoked API key.'), '403': error("The key's role may not do this.") };
const notFound = { '404': error("No such quantization or stored model for the caller's team (other teams' objects are reported the same way).") };
const storeMissing = { '503': error('TESSERA_STORE_DIR is not set on the gateway.') };
const tags = ['quantization'];

export const QUANTIZATION_PATHS = {
  '/v1/quantizations': {
    post: {
      summary: 'Start a quantization sweep: convert the source, quantize it with each preset, evaluate, report (role: member).',
      description:
        'The id is derived from the team, the source (content fingerprint), the presets and the options: submitting the same work again returns the existing job with 200 instead of 201.',
      tags,
      requestBody: { required: true, ...json(ref('CreateQuantization')) },
      responses: {
        '201': { description: 'The new quantization.', ...json(ref('Quantization')) },
        '200': { description: 'The same work was submitted before: the existing quantization.', ...json(ref('Quantization')) },
        '400': error('Invalid body: unknown preset (the message lists the valid ones), a source that cannot be parsed, leaves TESSERA_IMPORT_DIR or does not exist.'),
        ...common,
        '404': error("source names a stored model (model:<name>:<tag>) the caller's team does not have."),
        ...storeMissing,
      },
    },
    get: {
      summary: "The team's quantizations, newest first (role: member).",
      tags,
      parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } }],
      responses: { '200': { description: 'Quantizations.', ...json({ type: 'object', properties: { object: { const: 'list' }, data: { type: 'array', items: ref('Quantization') } } }) }, '400': error('Bad limit.'), ...common },
    },
  },
  '/v1/quantizations/{id}': {
    get: { summary: 'State, progress, per-preset results and errors (role: member).', tags, parameters: [idParam], responses: { '200': { description: 'The quantization.', ...json(ref('Quantization')) }, ...common, ...notFound } },
    delete: {
      summary: 'Cancel (role: member): queued jobs fail as cancelled, running ones stop their native work. A finished quantization is returned unchanged.',
      tags,
      parameters: [idParam],
      responses: { '200': { description: 'The quantization, state cancelling or cancelled.', ...json(ref('Quantization')) }, ...common, ...notFound },
    },
  },
  '/v1/quantizations/{id}/events': {
    get: {
      summary: 'Progress as Server-Sent Events (role: member): `data: <Quantization>` on every change until done, then `data: [DONE]`.',
      tags,
      parameters: [idParam],
      responses: { '200': { description: 'An event stream.', content: { 'text/event-stream': { schema: { type: 'string' } } } }, ...common, ...notFound },
    },
  },
  '/v1/quantizations/{id}/report': {
    get: {
      summary: 'The finished report (role: member): one row per preset, lowest KL divergence first; failures with their reasons.',
      tags,
      parameters: [idParam],
      responses: { '200': { description: 'The report.', ...json(ref('QuantizationReport')) }, ...common, '404': error('Unknown quantization, or the report is not written yet (follow /events).') },
    },
  },
  '/v1/quantizations/{id}/report.svg': {
    get: {
      summary: 'Chart of file size against mean KL divergence, one point per preset (role: member).',
      tags,
      parameters: [idParam],
      responses: { '200': { description: 'SVG.', content: { 'image/svg+xml': { schema: { type: 'string' } } } }, ...common, '404': error('Unknown quantization or no report yet.') },
    },
  },
  '/v1/models/uploads': {
    post: {
      summary: 'Upload a GGUF model into the store (role: member); stream the file as the raw body. Quantize it with source `model:<name>:<tag>`.',
      tags,
      parameters: [
        { name: 'name', in: 'query', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' } },
        { name: 'tag', in: 'query', schema: { type: 'string', default: 'latest' } },
      ],
      requestBody: { required: true, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
      responses: {
        '201': { description: 'The stored model.', ...json(ref('StoredModel')) },
        '400': error('Bad name or tag, or the body is not a GGUF file.'),
        ...common,
        '413': error('Larger than UPLOAD_LIMIT_BYTES.'),
        ...storeMissing,
      },
    },
  },
  '/v1/stored-models': {
    get: { summary: "The team's stored models: uploads, sweep sources and results (role: member).", tags, responses: { '200': { description: 'Stored models.', ...json(ref('StoredModelList')) }, ...common, ...storeMissing } },
  },
  '/v1/stored-models/{name}': {
    get: { summary: 'Every tag of one stored model (role: member).', tags, parameters: [nameParam], responses: { '200': { description: 'Stored models.', ...json(ref('StoredModelList')) }, '400': error('Bad name.'), ...common, ...notFound } },
  },
  '/v1/stored-models/{name}/{tag}': {
    get: { summary: 'One stored model (role: member).', tags, parameters: [nameParam, tagParam], responses: { '200': { description: 'The stored model.', ...json(ref('StoredModel')) }, '400': error('Bad name or tag.'), ...common, ...notFound } },
    delete: {
      summary: 'Delete a stored model; its file goes when nothing else refers to it (role: member).',
      tags,
      parameters: [nameParam, tagParam],
      responses: {
        '200': { description: 'Deleted.', ...json({ type: 'object', properties: { id: { type: 'string' }, object: { const: 'stored_model' }, deleted: { const: true } } }) },
        '400': error('Bad name or tag.'),
        ...common,
        ...notFound,
      },
    },
  },
};

const quality = {
  type: 'object',
  description: "Against the source, as llama-perplexity's KL-divergence mode defines them.",
  properties: Object.fromEntries(
    ['tokens', 'mean_kld', 'mean_kld_uncertainty', 'max_kld', 'p99_kld', 'same_top', 'mean_delta_p', 'rms_delta_p', 'ppl_base', 'ppl_quant'].map((k) => [k, { type: 'number' }]),
  ),
};
const nullable = (type: string) => ({ type: [type, 'null'] });

export const QUANTIZATION_SCHEMAS = {
  CreateQuantization: {
    type: 'object',
    required: ['source', 'presets'],
    additionalProperties: false,
    properties: {
      source: { type: 'string', description: '`file:<path inside TESSERA_IMPORT_DIR>` (HF checkpoint directory or GGUF), `hf://<org>/<name>[@<revision>]`, or `model:<name>[:<tag>]` (a stored model, e.g. an upload).' },
      presets: { type: 'array', minItems: 1, items: { enum: QUANT_PRESET_NAMES }, description: 'Case-insensitive.' },
      evaluate: { type: 'boolean', default: true, description: 'Measure KL divergence, top-token agreement, perplexity and speed.' },
      name: { type: 'string', description: 'Store the results under this model name (default: from the source).' },
    },
  },
  QuantizationResult: {
    type: 'object',
    properties: {
      preset: { type: 'string' },
      state: { enum: ['pending', 'queued', 'quantizing', 'evaluating', 'completed', 'failed', 'cancelled'] },
      progress: { type: 'number', minimum: 0, maximum: 100 },
      stage: nullable('string'),
      tensor: nullable('string'),
      bytes_done: nullable('integer'),
      bytes_total: nullable('integer'),
      model: { ...nullable('string'), description: 'Stored model id `<name>:<tag>` of the artifact.' },
      digest: nullable('string'),
      size: nullable('integer'),
      bits_per_weight: nullable('number'),
      quality: { oneOf: [quality, { type: 'null' }] },
      generation_tokens_per_second: nullable('number'),
      error: { oneOf: [{ type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } }, { type: 'null' }] },
    },
  },
  Quantization: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      object: { const: 'quantization' },
      created_at: { type: 'integer' },
      name: { type: 'string' },
      source: { type: 'string' },
      presets: { type: 'array', items: { type: 'string' } },
      evaluate: { type: 'boolean' },
      state: { enum: ['queued', 'running', 'completed', 'failed', 'cancelling', 'cancelled'] },
      done: { type: 'boolean', description: 'Nothing will change any more.' },
      progress: { type: 'number', minimum: 0, maximum: 100 },
      source_model: {
        type: 'object',
        properties: { state: { type: 'string' }, progress: { type: 'number' }, stage: nullable('string'), model: nullable('string'), digest: nullable('string'), size: nullable('integer'), format: nullable('string') },
      },
      results: { type: 'array', items: ref('QuantizationResult') },
      errors: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            stage: { enum: ['convert', 'quantize', 'evaluate', 'report'] },
            preset: nullable('string'),
            code: { enum: ['invalid_preset', 'invalid_source', 'source_not_found', 'source_outside_import_dir', 'source_corrupt', 'source_too_large', 'hub_failed', 'cancelled', 'internal'] },
            message: { type: 'string' },
          },
        },
      },
      report_url: nullable('string'),
      chart_url: nullable('string'),
    },
  },
  QuantizationReport: {
    type: 'object',
    properties: {
      sweep_id: { type: 'string' },
      name: { type: 'string' },
      source: { type: 'string' },
      source_digest: { type: 'string' },
      source_size: { type: 'integer' },
      rows: {
        type: 'array',
        items: {
          type: 'object',
          properties: { preset: { type: 'string' }, digest: { type: 'string' }, tag: { type: 'string' }, size: { type: 'integer' }, bits_per_weight: { type: 'number' }, quality, generation_tokens_per_second: { type: 'number' } },
        },
      },
      failures: { type: 'array', items: { type: 'object', properties: { preset: { type: 'string' }, error: { type: 'string' } } } },
      created_at: { type: 'string', format: 'date-time' },
    },
  },
  StoredModel: {
    type: 'object',
    properties: {
      id: { type: 'string', description: '`<name>:<tag>`' },
      object: { const: 'stored_model' },
      name: { type: 'string' },
      tag: { type: 'string' },
      digest: { type: 'string' },
      size: { type: 'integer' },
      format: { const: 'gguf' },
      preset: nullable('string'),
      parent: { ...nullable('string'), description: 'Digest of the model this one was quantized from.' },
      origin: nullable('string'),
      source: { type: 'string', description: 'What to pass as `source` to quantize this model.' },
      created_at: { type: 'integer' },
      metrics: { type: 'object', additionalProperties: { type: 'number' } },
    },
  },
  StoredModelList: { type: 'object', properties: { object: { const: 'list' }, data: { type: 'array', items: ref('StoredModel') } } },
};
