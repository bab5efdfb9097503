// The ChatML chat template written into synthesized models (the format of
// SmolLM-Instruct and Qwen2-Instruct), using the vocabulary's special tokens.
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
