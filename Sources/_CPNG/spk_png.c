#include "spk_png.h"

#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
    char message[256];
} spk_png_source;

static void copy_message(char *dst, size_t size, const char *src) {
    if (dst == NULL || size == 0) return;
    strncpy(dst, src, size - 1);
    dst[size - 1] = 0;
}

static void spk_png_error(png_structp png, png_const_charp msg) {
    spk_png_source *s = (spk_png_source *)png_get_error_ptr(png);
    copy_message(s->message, sizeof s->message, msg);
    png_longjmp(png, 1);
}

static void spk_png_warning(png_structp png, png_const_charp msg) { (void)png; (void)msg; }

static void spk_png_read(png_structp png, png_bytep out, png_size_t length) {
    spk_png_source *s = (spk_png_source *)png_get_io_ptr(png);
    if (length > s->size - s->offset) png_error(png, "PNG data ended early");
    memcpy(out, s->data + s->offset, length);
    s->offset += length;
}

int spk_png_decode(const uint8_t *src, size_t src_size, uint8_t *dst, size_t dst_size, spk_png_info *info,
                   char *message, size_t message_size) {
    spk_png_source source = {src, src_size, 0, {0}};
    png_bytep *volatile rows = NULL;
    memset(info, 0, sizeof *info);
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &source, spk_png_error, spk_png_warning);
    if (png == NULL) {
        copy_message(message, message_size, "could not initialise libpng");
        return 2;
    }
    png_infop pinfo = png_create_info_struct(png);
    if (pinfo == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        copy_message(message, message_size, "could not initialise libpng");
        return 2;
    }
    if (setjmp(png_jmpbuf(png))) {
        copy_message(message, message_size, source.message[0] ? source.message : "corrupt PNG data");
        free(rows);
        png_destroy_read_struct(&png, &pinfo, NULL);
        return 1;
    }
    png_set_read_fn(png, &source, spk_png_read);
    // Refuse absurd sizes before allocating anything (the caller checks its own limits too).
    png_set_user_limits(png, 1u << 20, 1u << 20);
    png_read_info(png, pinfo);
    info->width = png_get_image_width(png, pinfo);
    info->height = png_get_image_height(png, pinfo);
    info->bit_depth = png_get_bit_depth(png, pinfo);
    info->color_type = png_get_color_type(png, pinfo);

    if (info->color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (info->color_type == PNG_COLOR_TYPE_GRAY && info->bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (info->color_type & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);
    if (info->bit_depth == 16) png_set_swap(png);  // little-endian samples
    png_set_interlace_handling(png);
    png_read_update_info(png, pinfo);
    info->output_channels = png_get_channels(png, pinfo);
    info->output_bit_depth = png_get_bit_depth(png, pinfo);
    if (dst == NULL) {
        png_destroy_read_struct(&png, &pinfo, NULL);
        return 0;
    }
    size_t rowbytes = png_get_rowbytes(png, pinfo);
    size_t bytes_per_sample = info->output_bit_depth == 16 ? 2 : 1;
    if ((info->output_channels != 1 && info->output_channels != 3)
        || rowbytes != (size_t)info->width * (size_t)info->output_channels * bytes_per_sample
        || (info->height > 0 && rowbytes > dst_size / info->height)) {
        copy_message(message, message_size, "decoded PNG does not fit the output buffer");
        png_destroy_read_struct(&png, &pinfo, NULL);
        return 2;
    }
    rows = (png_bytep *)malloc(sizeof(png_bytep) * (info->height ? info->height : 1));
    if (rows == NULL) {
        copy_message(message, message_size, "out of memory");
        png_destroy_read_struct(&png, &pinfo, NULL);
        return 2;
    }
    for (uint32_t y = 0; y < info->height; y++) rows[y] = dst + (size_t)y * rowbytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    free(rows);
    png_destroy_read_struct(&png, &pinfo, NULL);
    return 0;
}
