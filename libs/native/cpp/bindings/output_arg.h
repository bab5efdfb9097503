// Reads an optional caller-provided output array for a conversion, so a
// caller that converts many pieces (the file quantizer) can reuse its own
// buffers instead of getting freshly allocated, zero-filled ones per call.
#pragma once
#include <napi.h>

#include <cstddef>

namespace tessera {

// info[index]: undefined or null means "none" (*out is left empty). Otherwise
// it must be a typed array of `kind` whose memory is attached, holds at least
// `bytes` bytes, and does not overlap the source [src, src + src_bytes), which
// native threads read while they write the output. Returns false after
// throwing an EINVAL error into JS.
bool read_output(const Napi::CallbackInfo& info, size_t index, napi_typedarray_type kind, size_t bytes,
                 const void* src, size_t src_bytes, Napi::TypedArray* out);

// The first byte of a typed array's memory.
void* typed_array_data(const Napi::TypedArray& a);

}  // namespace tessera
