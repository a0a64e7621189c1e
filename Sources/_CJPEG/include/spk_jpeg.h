#ifndef SPK_JPEG_H
#define SPK_JPEG_H
#include <stddef.h>
#include <stdint.h>

/// What the frame header of a JPEG stream says (filled by spk_jpeg_decode).
typedef struct spk_jpeg_info {
    int width;
    int height;
    /// Components in the stream (1 gray, 3 colour).
    int components;
    /// Sample precision in bits (8 for everything libjpeg-turbo 2.1 can decode).
    int precision;
    /// Components written to the output (1 or 3).
    int output_components;
} spk_jpeg_info;

/// How to interpret a 3-component stream that carries neither a JFIF nor an Adobe marker.
enum {
    SPK_JPEG_COLOR_AUTO = 0,  ///< libjpeg's guess (component ids 'R','G','B' → RGB, else YCbCr)
    SPK_JPEG_COLOR_RGB = 1,   ///< the stream holds RGB (no colour transform)
    SPK_JPEG_COLOR_YCBCR = 2, ///< the stream holds YCbCr (converted to RGB)
};

/// Decodes a baseline/extended 8-bit JPEG from memory with libjpeg-turbo.
///
/// With `dst == NULL` only the header is read into `info`. Otherwise the image is decoded into
/// `dst` (rows of width × output_components bytes, top to bottom; colour as RGB) and must fit in
/// `dst_size`. Errors and corrupt-data warnings (e.g. a premature end of data) stop decoding: the
/// function returns non-zero and writes libjpeg's message into `message`. Never aborts the process.
int spk_jpeg_decode(const uint8_t *src, size_t src_size, int color_hint, uint8_t *dst, size_t dst_size,
                    spk_jpeg_info *info, char *message, size_t message_size);

#endif
