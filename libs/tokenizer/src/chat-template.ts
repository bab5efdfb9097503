import { Template } from '@huggingface/jinja';
import { ChatTemplateError } from './errors';

export interface ChatMessage {
  role: string;
  content: unknown;
  [key: string]: unknown;
}

export interface ChatTemplateOptions {
  /** End the prompt with the opening of an assistant turn. Default false. */
  addGenerationPrompt?: boolean;
  bosToken?: string;
  eosToken?: string;
  /** Tool definitions, passed to the template as `tools`. */
  tools?: unknown[];
  /** Further variables some templates read (e.g. `enable_thinking`, `date_string`). */
  extra?: Record<string, unknown>;
}

const compiled = new Map<string, Template>();
const COMPILED_LIMIT = 32;

/**
 * Renders a Jinja chat template (tokenizer.chat_template) for a conversation.
 * Compiled templates are kept, since a server renders the same one for every request.
 */
export function renderChatTemplate(template: string, messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): string {
  const context: Record<string, unknown> = {
    ...options.extra,
    messages,
    add_generation_prompt: options.addGenerationPrompt ?? false,
    bos_token: options.bosToken ?? '',
    eos_token: options.eosToken ?? '',
  };
  if (options.tools !== undefined) context.tools = options.tools;
  const compiledTemplate = compile(template);
  try {
    return compiledTemplate.render(context);
  } catch (err) {
    throw new ChatTemplateError('CHAT_TEMPLATE_RENDER', `the chat template failed while rendering: ${messageOf(err)}. Check the messages (roles, order) against what the template accepts.`, err);
  }
}

function compile(template: string): Template {
  let t = compiled.get(template);
  if (t) return t;
  try {
    t = new Template(template);
  } catch (err) {
    throw new ChatTemplateError('CHAT_TEMPLATE_PARSE', `the chat template cannot be parsed: ${messageOf(err)}. Fix tokenizer.chat_template or pass a template explicitly.`, err);
  }
  if (compiled.size >= COMPILED_LIMIT) compiled.delete(compiled.keys().next().value!);
  compiled.set(template, t);
  return t;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
