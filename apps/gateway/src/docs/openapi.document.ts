/**
 * The gateway's OpenAPI 3.1 description, written by hand: the request shapes
 * are parsed by hand too (see inference/dto), and the two are kept together by
 * the docs test, which checks every route is described here.
 */
import { QUANTIZATION_PATHS, QUANTIZATION_SCHEMAS } from '../quantizations/quantizations.openapi';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [String(s), { description: ERROR_TEXT[s], ...json(ref('Error')) }]));

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid parameters, or the prompt is longer than the context (code context_length_exceeded).',
  401: 'Missing, invalid or revoked API key.',
  403: "The key's role or team may not do this.",
  404: 'Unknown model or object.',
  413: 'Request body larger than BODY_LIMIT_BYTES.',
  429: 'Rate limited (rate_limit_exceeded) or wait queue full (queue_full); see Retry-After.',
  502: 'A replica failed while serving the request.',
  503: 'No ready replica of the model; see Retry-After.',
};

const INFERENCE_ERRORS = errors(400, 401, 403, 404, 413, 429, 502, 503);
const ADMIN_ERRORS = errors(400, 401, 403, 404, 413);

const sampling = {
  model: { type: 'string' },
  max_tokens: { type: 'integer', minimum: 1 },
  max_completion_tokens: { type: 'integer', minimum: 1 },
  temperature: { type: 'number', minimum: 0, maximum: 2, default: 1 },
  top_p: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 1 },
  top_k: { type: 'integer', minimum: -1, description: '0 or -1 disables.' },
  min_p: { type: 'number', minimum: 0, maximum: 1 },
  presence_penalty: { type: 'number', minimum: -2, maximum: 2 },
  frequency_penalty: { type: 'number', minimum: -2, maximum: 2 },
  repetition_penalty: { type: 'number', exclusiveMinimum: 0, maximum: 2 },
  seed: { type: 'integer', minimum: 0 },
  stop: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, maxItems: 16 }] },
  stop_token_ids: { type: 'array', items: { type: 'integer' } },
  ignore_eos: { type: 'boolean' },
  n: { type: 'integer', minimum: 1, maximum: 16, default: 1 },
  stream: { type: 'boolean', default: false },
  stream_options: { type: 'object', properties: { include_usage: { type: 'boolean' } } },
  user: { type: 'string' },
  response_format: { type: 'object', properties: { type: { const: 'text' } } },
  logit_bias: { type: 'object', maxProperties: 0 },
};

const adminRoute = (summary: string, responses: object, body?: string) => ({
  summary,
  tags: ['admin'],
  ...(body ? { requestBody: { required: true, ...json(ref(body)) } } : {}),
  responses: { ...responses, ...ADMIN_ERRORS },
});

export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'Tessera gateway',
    version: '0.1.0',
    description: 'OpenAI-compatible inference API of a Tessera cluster, its quantization jobs and model store, plus its admin API. Authenticate with `Authorization: Bearer tsk-...`.',
  },
  security: [{ bearer: [] }],
  paths: {
    '/v1/chat/completions': {
      post: {
        summary: 'Chat completion (role: member). The worker applies the model chat template.',
        tags: ['inference'],
        requestBody: { required: true, ...json(ref('ChatCompletionRequest')) },
        responses: {
          '200': {
            description: 'A chat.completion, or with stream=true Server-Sent Events of chat.completion.chunk ending in `data: [DONE]`.',
            content: { 'application/json': { schema: ref('ChatCompletion') }, 'text/event-stream': { schema: { type: 'string' } } },
          },
          ...INFERENCE_ERRORS,
        },
      },
    },
    '/v1/completions': {
      post: {
        summary: 'Text completion (role: member).',
        tags: ['inference'],
        requestBody: { required: true, ...json(ref('CompletionRequest')) },
        responses: {
          '200': {
            description: 'A text_completion, or SSE chunks with stream=true.',
            content: { 'application/json': { schema: ref('Completion') }, 'text/event-stream': { schema: { type: 'string' } } },
          },
          ...INFERENCE_ERRORS,
        },
      },
    },
    '/v1/models': {
      get: { summary: 'Models the caller may use that have a live replica (role: member).', tags: ['inference'], responses: { '200': { description: 'A list of models.', ...json(ref('ModelList')) }, ...errors(401, 403) } },
    },
    '/v1/models/{id}': {
      get: {
        summary: 'One model (role: member).',
        tags: ['inference'],
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '200': { description: 'The model.', ...json(ref('Model')) }, ...errors(401, 403, 404) },
      },
    },
    '/tokenize': {
      post: {
        summary: 'Tokenize a prompt or chat (role: member), vLLM-style.',
        tags: ['inference'],
        requestBody: { required: true, ...json(ref('TokenizeRequest')) },
        responses: { '200': { description: 'Tokens.', ...json(ref('TokenizeResponse')) }, ...INFERENCE_ERRORS },
      },
    },
    '/detokenize': {
      post: {
        summary: 'Turn token ids back into text (role: member), vLLM-style.',
        tags: ['inference'],
        requestBody: { required: true, ...json(ref('DetokenizeRequest')) },
        responses: { '200': { description: 'Text.', ...json({ type: 'object', properties: { prompt: { type: 'string' } } }) }, ...INFERENCE_ERRORS },
      },
    },
    '/v1/admin/teams': {
      post: adminRoute('Create a team (role: admin).', { '201': { description: 'The team.', ...json(ref('Team')) } }, 'CreateTeam'),
      get: adminRoute('List teams (role: admin).', { '200': { description: 'Teams.', ...json({ type: 'object', properties: { data: { type: 'array', items: ref('Team') } } }) } }),
    },
    '/v1/admin/teams/{id}': {
      patch: {
        ...adminRoute('Change a team: name, allowed models, limits (role: admin).', { '200': { description: 'The team.', ...json(ref('Team')) } }, 'UpdateTeam'),
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      },
    },
    '/v1/admin/keys': {
      post: adminRoute('Create an API key; the plaintext `key` is returned only here (role: admin).', { '201': { description: 'The key with its secret.', ...json(ref('CreatedApiKey')) } }, 'CreateKey'),
      get: adminRoute('List keys without secrets (role: admin).', { '200': { description: 'Keys.', ...json({ type: 'object', properties: { data: { type: 'array', items: ref('ApiKey') } } }) } }),
    },
    '/v1/admin/keys/{id}': {
      delete: {
        ...adminRoute('Revoke a key (role: admin).', { '200': { description: 'The revoked key.', ...json(ref('ApiKey')) } }),
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      },
    },
    ...QUANTIZATION_PATHS,
    '/health/live': { get: { summary: 'Liveness (public).', tags: ['ops'], security: [], responses: { '200': { description: 'Alive.' } } } },
    '/health/ready': { get: { summary: 'Readiness: Redis reachable (public).', tags: ['ops'], security: [], responses: { '200': { description: 'Ready.' }, ...errors(503) } } },
    '/metrics': { get: { summary: 'Prometheus metrics (public).', tags: ['ops'], security: [], responses: { '200': { description: 'Text exposition format.' } } } },
    '/docs': { get: { summary: 'This description, as a page (public).', tags: ['ops'], security: [], responses: { '200': { description: 'HTML.' } } } },
    '/docs/openapi.json': { get: { summary: 'This description, as JSON (public).', tags: ['ops'], security: [], responses: { '200': { description: 'OpenAPI 3.1.' } } } },
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key: tsk-...' } },
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            properties: { message: { type: 'string' }, type: { type: 'string' }, param: { type: ['string', 'null'] }, code: { type: ['string', 'null'] } },
          },
        },
      },
      ChatMessage: {
        type: 'object',
        required: ['role', 'content'],
        properties: {
          role: { enum: ['system', 'developer', 'user', 'assistant'] },
          content: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'object', properties: { type: { const: 'text' }, text: { type: 'string' } } } }] },
          name: { type: 'string' },
        },
      },
      ChatCompletionRequest: {
        type: 'object',
        required: ['model', 'messages'],
        additionalProperties: false,
        properties: {
          ...sampling,
          messages: { type: 'array', minItems: 1, items: ref('ChatMessage') },
          logprobs: { type: 'boolean' },
          top_logprobs: { type: 'integer', minimum: 0, maximum: 20 },
        },
      },
      CompletionRequest: {
        type: 'object',
        required: ['model', 'prompt'],
        additionalProperties: false,
        properties: {
          ...sampling,
          prompt: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'integer' } }] },
          logprobs: { type: 'integer', minimum: 0, maximum: 20 },
          echo: { const: false },
          max_tokens: { type: 'integer', minimum: 1, default: 16 },
        },
      },
      Usage: {
        type: 'object',
        properties: { prompt_tokens: { type: 'integer' }, completion_tokens: { type: 'integer' }, total_tokens: { type: 'integer' } },
      },
      ChatCompletion: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          object: { const: 'chat.completion' },
          created: { type: 'integer' },
          model: { type: 'string' },
          choices: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                index: { type: 'integer' },
                message: { type: 'object', properties: { role: { const: 'assistant' }, content: { type: 'string' } } },
                logprobs: { type: ['object', 'null'] },
                finish_reason: { enum: ['stop', 'length'] },
              },
            },
          },
          usage: ref('Usage'),
        },
      },
      Completion: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          object: { const: 'text_completion' },
          created: { type: 'integer' },
          model: { type: 'string' },
          choices: {
            type: 'array',
            items: {
              type: 'object',
              properties: { index: { type: 'integer' }, text: { type: 'string' }, logprobs: { type: ['object', 'null'] }, finish_reason: { enum: ['stop', 'length'] } },
            },
          },
          usage: ref('Usage'),
        },
      },
      Model: {
        type: 'object',
        properties: { id: { type: 'string' }, object: { const: 'model' }, created: { type: 'integer' }, owned_by: { type: 'string' }, max_model_len: { type: ['integer', 'null'] } },
      },
      ModelList: { type: 'object', properties: { object: { const: 'list' }, data: { type: 'array', items: ref('Model') } } },
      TokenizeRequest: {
        type: 'object',
        required: ['model'],
        properties: {
          model: { type: 'string' },
          prompt: { type: 'string' },
          messages: { type: 'array', items: ref('ChatMessage') },
          add_special_tokens: { type: 'boolean', default: true },
          add_generation_prompt: { type: 'boolean', default: true },
        },
      },
      TokenizeResponse: { type: 'object', properties: { tokens: { type: 'array', items: { type: 'integer' } }, count: { type: 'integer' }, max_model_len: { type: 'integer' } } },
      DetokenizeRequest: { type: 'object', required: ['model', 'tokens'], properties: { model: { type: 'string' }, tokens: { type: 'array', items: { type: 'integer' } } } },
      Limits: {
        type: 'object',
        properties: {
          requests_per_minute: { type: 'integer', minimum: 1 },
          tokens_per_minute: { type: 'integer', minimum: 1 },
          max_concurrent: { type: 'integer', minimum: 1 },
          max_waiting: { type: 'integer', minimum: 0 },
        },
      },
      CreateTeam: {
        type: 'object',
        required: ['name'],
        properties: { id: { type: 'string' }, name: { type: 'string' }, allowed_models: { type: 'array', items: { type: 'string' } }, limits: ref('Limits') },
      },
      UpdateTeam: { type: 'object', properties: { name: { type: 'string' }, allowed_models: { type: 'array', items: { type: 'string' } }, limits: ref('Limits') } },
      Team: {
        type: 'object',
        properties: { id: { type: 'string' }, name: { type: 'string' }, allowed_models: { type: 'array', items: { type: 'string' } }, limits: ref('Limits'), created: { type: 'integer' } },
      },
      CreateKey: { type: 'object', required: ['team'], properties: { team: { type: 'string' }, role: { enum: ['member', 'admin'], default: 'member' }, name: { type: 'string' } } },
      ApiKey: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          team: { type: 'string' },
          role: { enum: ['member', 'admin'] },
          prefix: { type: 'string' },
          name: { type: ['string', 'null'] },
          created: { type: 'integer' },
          revoked: { type: 'boolean' },
        },
      },
      CreatedApiKey: { allOf: [ref('ApiKey'), { type: 'object', properties: { key: { type: 'string', description: 'Shown once.' } } }] },
      ...QUANTIZATION_SCHEMAS,
    },
  },
} as const;
