#include "spk_codecs.h"
int spk_codecs_version(void) { return 1; }
