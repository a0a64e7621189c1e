#include "spk_jpeg.h"

#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <jpeglib.h>

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
} spk_error_mgr;

static void spk_error_exit(j_common_ptr cinfo) {
    spk_error_mgr *err = (spk_error_mgr *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, err->message);
    longjmp(err->jump, 1);
}

/// Warnings (msg_level -1) mean corrupt or truncated data: treat them as errors, as TurboJPEG's
/// TJFLAG_STOPONWARNING does, instead of returning a partly grey image. Trace messages are ignored.
static void spk_emit_message(j_common_ptr cinfo, int msg_level) {
    if (msg_level < 0) spk_error_exit(cinfo);
}

static void spk_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void copy_message(char *dst, size_t size, const char *src) {
    if (dst == NULL || size == 0) return;
    strncpy(dst, src, size - 1);
    dst[size - 1] = 0;
}

int spk_jpeg_decode(const uint8_t *src, size_t src_size, int color_hint, uint8_t *dst, size_t dst_size,
                    spk_jpeg_info *info, char *message, size_t message_size) {
    struct jpeg_decompress_struct cinfo;
    spk_error_mgr jerr;
    memset(&cinfo, 0, sizeof cinfo);
    memset(info, 0, sizeof *info);
    cinfo.err = jpeg_std_error(&jerr.pub);
    jerr.pub.error_exit = spk_error_exit;
    jerr.pub.emit_message = spk_emit_message;
    jerr.pub.output_message = spk_output_message;
    jerr.message[0] = 0;
    if (setjmp(jerr.jump)) {
        copy_message(message, message_size, jerr.message);
        jpeg_destroy_decompress(&cinfo);
        return 1;
    }
    jpeg_create_decompress(&cinfo);
    if (src_size == 0) {
        copy_message(message, message_size, "empty JPEG stream");
        jpeg_destroy_decompress(&cinfo);
        return 1;
    }
    jpeg_mem_src(&cinfo, (const unsigned char *)src, (unsigned long)src_size);
    jpeg_read_header(&cinfo, TRUE);
    info->width = (int)cinfo.image_width;
    info->height = (int)cinfo.image_height;
    info->components = cinfo.num_components;
    info->precision = cinfo.data_precision;
    if (cinfo.num_components == 1) {
        cinfo.out_color_space = JCS_GRAYSCALE;
    } else if (cinfo.num_components == 3) {
        if (!cinfo.saw_JFIF_marker && !cinfo.saw_Adobe_marker) {
            if (color_hint == SPK_JPEG_COLOR_RGB) cinfo.jpeg_color_space = JCS_RGB;
            else if (color_hint == SPK_JPEG_COLOR_YCBCR) cinfo.jpeg_color_space = JCS_YCbCr;
        }
        cinfo.out_color_space = JCS_RGB;
    } else {
        copy_message(message, message_size, "only 1- and 3-component JPEG images are supported");
        jpeg_destroy_decompress(&cinfo);
        return 2;
    }
    info->output_components = cinfo.num_components == 1 ? 1 : 3;
    if (dst == NULL) {
        jpeg_destroy_decompress(&cinfo);
        return 0;
    }
    jpeg_start_decompress(&cinfo);
    size_t stride = (size_t)cinfo.output_width * (size_t)cinfo.output_components;
    if (cinfo.output_components != info->output_components
        || (size_t)cinfo.output_height > 0 && stride > dst_size / (size_t)cinfo.output_height) {
        copy_message(message, message_size, "decoded image does not fit the output buffer");
        jpeg_destroy_decompress(&cinfo);
        return 2;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = dst + (size_t)cinfo.output_scanline * stride;
        if (jpeg_read_scanlines(&cinfo, &row, 1) != 1) {
            copy_message(message, message_size, "JPEG data ended early");
            jpeg_destroy_decompress(&cinfo);
            return 1;
        }
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return 0;
}
