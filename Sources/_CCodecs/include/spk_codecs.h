#ifndef SPK_CODECS_H
#define SPK_CODECS_H
#include <stddef.h>
#include <stdint.h>

// Placeholder until codec shims land (see DICOM codecs).
int spk_codecs_version(void);

#endif
