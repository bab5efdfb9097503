// The IQ4_NL / IQ4_XS codebook: 16 non-uniformly spaced levels (file-format
// fact, shared by every implementation that reads these types).
#include "blocks.h"

namespace tessera {

const int8_t kvalues_iq4nl[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

}  // namespace tessera
