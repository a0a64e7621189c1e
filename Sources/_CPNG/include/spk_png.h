#ifndef SPK_PNG_H
#define SPK_PNG_H
#include <stddef.h>
#include <stdint.h>

/// What a PNG header says, and the layout spk_png_decode writes.
typedef struct spk_png_info {
    uint32_t width;
    uint32_t height;
    /// IHDR bit depth (1, 2, 4, 8, 16) and colour type (0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA).
    int bit_depth;
    int color_type;
    /// Output: 1 (gray) or 3 (RGB) channels of 8 or 16 bits; alpha is dropped, palettes are expanded
    /// to RGB, gray below 8 bits is scaled to 8 bits by bit replication.
    int output_channels;
    int output_bit_depth;
} spk_png_info;

/// Decodes a PNG file held in memory with libpng (setjmp-protected; never aborts the process).
///
/// With `dst == NULL` only the header is read. Otherwise rows are written top to bottom,
/// width × output_channels samples each; 16-bit samples in little-endian byte order. Returns 0 on
/// success, non-zero with libpng's message in `message` on any error (CRC, truncation, bad data).
int spk_png_decode(const uint8_t *src, size_t src_size, uint8_t *dst, size_t dst_size, spk_png_info *info,
                   char *message, size_t message_size);

#endif
