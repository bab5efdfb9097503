// Bits per weight of a GGUF model as the reference's loader reports it:
// tensor data bytes × 8 over the number of weights, all tensors included.

import { GGUFFile } from '@tessera/gguf';

export interface ModelSize {
  readonly fileBytes: number;
  readonly tensorBytes: number;
  readonly parameters: number;
  readonly bitsPerWeight: number;
}

export function modelSize(file: Pick<GGUFFile, 'tensors' | 'fileSize'>): ModelSize {
  let tensorBytes = 0;
  let parameters = 0;
  for (const t of file.tensors) {
    tensorBytes += t.nBytes;
    parameters += t.dims.reduce((a, b) => a * b, 1);
  }
  return { fileBytes: file.fileSize, tensorBytes, parameters, bitsPerWeight: parameters > 0 ? (tensorBytes * 8) / parameters : 0 };
}
